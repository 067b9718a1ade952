package io.mast.runtime.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.runtime.console.LineEditor.Cancel;
import io.mast.runtime.console.LineEditor.Event;
import io.mast.runtime.console.LineEditor.Line;
import io.mast.runtime.console.LineEditor.Refused;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The console's line discipline fed as a raw serial line feeds it: whole, and one byte at a time. */
class LineEditorTest {
  private static final LineEditor.Completer COMMANDS = line -> line.contains(" ")
      ? List.of("pms", "pms-pm10", "co2") : List.of("status", "sensors", "store", "help");

  private static LineEditor editor() {
    LineEditor e = new LineEditor(64, COMMANDS);
    e.prompt("mast> ");
    return e;
  }

  /** Echo and events of {@code input} fed whole, checked equal to feeding it one byte at a time. */
  private static LineEditor.Output both(byte[] input) {
    LineEditor.Output all = editor().feed(input);
    LineEditor single = editor();
    StringBuilder echo = new StringBuilder();
    List<Event> events = new ArrayList<>();
    for (byte b : input) {
      LineEditor.Output o = single.feed(new byte[] {b});
      echo.append(o.echo());
      events.addAll(o.events());
    }
    assertEquals(all, new LineEditor.Output(echo.toString(), events), "byte by byte as whole");
    return all;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void crLfAndCrLfEachEndALineOnce() {
    LineEditor.Output o = both(bytes("status\r\nsensors\rstore\nhelp\r\r"));
    assertEquals(List.of(new Line("status"), new Line("sensors"), new Line("store"), new Line("help"), new Line("")), o.events());
    assertEquals("status\r\nsensors\r\nstore\r\nhelp\r\n\r\n", o.echo());
  }

  @Test
  void backspaceDelAndCtrlUEraseAndCtrlCCancels() {
    LineEditor.Output o = both(bytes("statx\bus\r" + "sensorz\u007fs\n" + "garbage\u0015help\r" + "read pm\u0003"));
    assertEquals(List.of(new Line("status"), new Line("sensors"), new Line("help"), new Cancel()), o.events());
    assertTrue(o.echo().startsWith("statx\b \bus\r\n"), o.echo());
    assertTrue(o.echo().contains("garbage" + "\b \b".repeat(7) + "help"), o.echo());
    assertTrue(o.echo().endsWith("read pm^C\r\n"), o.echo());
  }

  @Test
  void aLineTooLongIsRefusedOnceAndTheNextLineWorks() {
    ByteArrayOutputStream in = new ByteArrayOutputStream();
    in.writeBytes(bytes("x".repeat(10 * 1024) + "\r\nstatus\r\n"));
    LineEditor.Output o = both(in.toByteArray());
    assertEquals(List.of(new Refused("a console line holds at most 64 characters; the rest of this one was dropped"),
        new Line("status")), o.events());
    assertTrue(o.echo().length() < 200, "the echo of a 10 KB paste stops at the cap: " + o.echo().length());
  }

  @Test
  void binaryGarbageIsRefusedAndTheShellGoesOn() {
    byte[] garbage = new byte[4096];
    new Random(5).nextBytes(garbage);
    ByteArrayOutputStream in = new ByteArrayOutputStream();
    in.writeBytes(bytes("stat"));
    in.writeBytes(new byte[] {0x00, 0x01});
    in.writeBytes(garbage);
    in.writeBytes(bytes("\r\nhelp\r\n"));
    LineEditor.Output o = both(in.toByteArray());
    assertTrue(o.events().get(0) instanceof Refused r && r.why().startsWith("binary input (byte 0x00)"), o.events().toString());
    assertEquals(new Line("help"), o.events().get(o.events().size() - 1));
    assertTrue(o.events().stream().noneMatch(e -> e instanceof Line l && !l.text().equals("help") && !l.text().isEmpty()),
        "nothing of the garbage comes out as a command: " + o.events());
  }

  @Test
  void utf8IsTakenWholeAndMalformedUtf8IsBinary() {
    assertEquals(List.of(new Line("site Zürich")), both(bytes("site Zürich\r")).events());
    LineEditor.Output bad = both(new byte[] {'a', (byte) 0xc3, 'b', '\r', 'o', 'k', '\r'});
    assertEquals(List.of(new Refused("binary input (byte 0x62 in a UTF-8 character) on the console; the line was dropped"),
        new Line("ok")), bad.events());
  }

  @Test
  void upAndDownWalkTheHistoryRedrawnWithBackspacesOnly() {
    LineEditor e = editor();
    e.feed(bytes("status\rsensors\r"));
    LineEditor.Output up = e.feed(bytes("\u001b[A"));
    assertEquals("sensors", up.echo());
    LineEditor.Output upAgain = e.feed(bytes("\u001bOA"));
    assertEquals("\b \b".repeat(7) + "status", upAgain.echo());
    LineEditor.Output down = e.feed(bytes("\u001b[B\u001b[B"));
    assertEquals("\b \b".repeat(6) + "sensors" + "\b \b".repeat(7), down.echo());
    assertEquals(List.of(new Line("store")), e.feed(bytes("\u001b[Cstore\r")).events(), "other sequences are read whole and ignored");
    assertEquals(List.of("status", "sensors", "store"), e.history());
  }

  @Test
  void tabCompletesOneCandidateFillsWhatSeveralShareAndListsThem() {
    assertEquals("sensors ", editor().feed(bytes("se\t")).echo(), "one candidate: filled in, with a space");
    LineEditor two = editor();
    assertEquals("st\r\nstatus  store\r\nmast> st", two.feed(bytes("st\t")).echo(), "nothing shared beyond st: both listed");
    assertEquals(List.of(new Line("store")), two.feed(bytes("ore\r")).events());
    LineEditor word = editor();
    assertEquals("read pms", word.feed(bytes("read p\t")).echo(), "pms and pms-pm10 share pms");
    assertEquals(List.of(new Line("read pms-pm10 ")), word.feed(bytes("-\t\r")).events(), "completed with a space; the shell splits words");
  }

  @Test
  void aPinIsNeitherEchoedNorRemembered() {
    LineEditor e = editor();
    e.secret(true);
    LineEditor.Output o = e.feed(bytes("4711\b2\r"));
    assertEquals("\r\n", o.echo());
    assertEquals(List.of(new Line("4712")), o.events());
    e.secret(false);
    assertEquals(List.of(), e.history());
  }
}

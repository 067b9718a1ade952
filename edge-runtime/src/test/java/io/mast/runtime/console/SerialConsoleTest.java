package io.mast.runtime.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.protocol.ConfigAckMessage;
import io.mast.protocol.ConsoleMessages;
import io.mast.runtime.peers.Picocom;
import io.mast.seams.RecentLog;
import io.mast.sim.SocatPty;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The technician's console as a person meets it: Debian's picocom on one end of a socat
 * pseudo-terminal pair, the runtime's serial console on the other, driven through tmux (keys
 * sent, the screen captured), against a simulated pole on a real Mosquitto. Screens are kept in
 * {@code target/console-screens} for people to read.
 */
class SerialConsoleTest {
  @TempDir
  Path dir;

  private Pole pole;
  private SocatPty line;
  private Picocom picocom;

  /** The pole, a console line, and picocom on it with {@code omap} ("" = Enter sends CR). */
  private Picocom attach(String omap) throws Exception {
    if (pole == null) {
      pole = new Pole(dir).started();
    }
    line = SocatPty.start(dir, "console");
    pole.runtime.console().serveSerial(null, line.devicePath().toString(), 115200);
    picocom = Picocom.start(line.driverPath(), 115200, omap);
    picocom.enterUntil("a prompt", s -> s.contains(Pole.ID + ">"));
    return picocom;
  }

  @AfterEach
  void closeAll() throws Exception {
    if (picocom != null) {
      picocom.close();
    }
    if (pole != null) {
      pole.close();
    }
    if (line != null) {
      line.close();
    }
  }

  private static void keep(String name, String screen) throws Exception {
    Path out = Path.of("target", "console-screens");
    Files.createDirectories(out);
    Files.writeString(out.resolve(name + ".txt"), screen);
  }

  /** Prompt lines on a screen (tmux drops the space after an empty prompt). */
  private static long prompts(String screen) {
    return screen.lines().filter(l -> l.startsWith(Pole.ID + ">")).count();
  }

  /** The text after the last occurrence of {@code marker}. */
  private static String after(String screen, String marker) {
    int at = screen.lastIndexOf(marker);
    return at < 0 ? "" : screen.substring(at + marker.length());
  }

  @Test
  void aTechnicianSeesThePoleOnOneScreenAndWatchesItLiveUntilCtrlC() throws Exception {
    Picocom p = attach("");
    Awaitility.await("a first sample").atMost(Duration.ofSeconds(30)).until(() -> pole.runtime.snapshot().stored() > 0);
    // a typo mended with backspace: "statux" <BS> "s"
    p.type("statux").press("BSpace").type("s").press("Enter");
    String status = p.await("the status screen", s -> s.contains("error    "));
    for (String row : List.of("pole     " + Pole.ID, "version  Mast test", "link     connected to tcp://127.0.0.1:", "modem    RSRP",
        "store    ", "config   version 1, confirmed", "sensors  18 channels")) {
      assertTrue(status.contains(row), "status shows '" + row + "':\n" + status);
    }
    assertFalse(status.contains("unknown command"), status);
    p.line("sensors");
    String sensors = p.await("the sensors table", s -> s.contains("modem-sinr"));
    assertTrue(sensors.contains("id               driver       last"), sensors);
    assertTrue(sensors.lines().allMatch(l -> l.length() <= 80), "every line within 80 columns:\n" + sensors);
    // the pole samples and sends on while a line is half typed, and while a watch runs
    p.type("sta");
    long stored = pole.runtime.snapshot().stored();
    long acked = pole.runtime.snapshot().framesAcked();
    Awaitility.await("samples stored and frames acknowledged while a line is half typed").atMost(Duration.ofSeconds(60))
        .until(() -> pole.runtime.snapshot().stored() > stored && pole.runtime.snapshot().framesAcked() > acked);
    p.press("C-u");
    p.line("watch pms co2");
    p.awaitCount("  pms ", 3);
    long storedInWatch = pole.runtime.snapshot().stored();
    Awaitility.await("samples stored while the watch runs").atMost(Duration.ofSeconds(30))
        .until(() -> pole.runtime.snapshot().stored() > storedInWatch);
    p.press("C-c");
    String watched = p.await("the watch stopped", s -> s.contains("watch stopped") && s.endsWith(Pole.ID + ">\n"));
    int lines = Picocom.count(watched, "  pms ");
    // the pole sampled on while the watch ran, and the watch really stopped: another command answers,
    // and no watch line came after it
    p.line("whoami");
    String after = p.await("whoami", s -> s.contains("anonymous@serial:"));
    assertEquals(lines, Picocom.count(after, "  pms "), "no watch line after Ctrl-C:\n" + after);
    keep("status-sensors-watch", after);
    // Tab completes a command, a sensor id and a config path; up walks the history
    p.type("rea").press("Tab").type("co").press("Tab").press("Enter");
    p.await("read co2 completed and run", s -> s.contains("co2 = ") && s.contains("(air.co2, now; not stored)"));
    p.type("config get uplink.batch_w").press("Tab").press("Enter");
    p.await("the path completed", s -> s.contains("uplink.batch_window_s = 10"));
    p.press("Up", "Up");
    p.await("the history", s -> s.lines().reduce((a, b) -> b).orElse("").equals(Pole.ID + "> read co2"));
    p.press("C-u").line("whoami");
    p.awaitCount("anonymous@serial:", 2);
  }

  @Test
  void crOnlyCrlfAndLfEachEndALineOnce() throws Exception {
    Picocom p = attach("crlf");
    long first = prompts(p.screen()); // 1, or more if an Enter had to be pressed again to wake the line
    p.line("whoami");
    String s = p.await("the answer", x -> x.contains("may read; to change"));
    // one answer and one new prompt: the LF after CR did not end a second, empty line
    assertEquals(first + 1, prompts(s), s);
    p.type("whoami").press("C-j");
    s = p.awaitCount("may read; to change", 2);
    p.await("the prompt after", x -> x.endsWith(Pole.ID + ">\n"));
    assertEquals(first + 2, prompts(p.screen()), p.screen());
  }

  @Test
  void aTenKilobyteLineAndBinaryGarbageGetOneClearErrorEachAndTheShellGoesOn() throws Exception {
    Picocom p = attach("");
    p.type("x".repeat(10 * 1024)).press("Enter");
    String s = p.await("the refusal", x -> x.contains("a console line holds at most 512 characters"));
    assertEquals(1, Picocom.count(s, "at most 512 characters"), s);
    p.bytes(0x00, 0xff, 0xfe, 0x02).press("Enter"); // never 0x01: Ctrl-A is picocom's own escape key
    s = p.await("the binary refusal", x -> x.contains("binary input (byte 0x00)"));
    p.line("whoami");
    s = p.await("the shell answers", x -> x.contains("may read; to change"));
    assertEquals(1, Picocom.count(s, "binary input"), s);
    keep("long-line-and-garbage", s.substring(Math.max(0, s.length() - 2000)));
  }

  @Test
  void fiveWrongPinsLockLoginsAndTheLockOutlivesARestart() throws Exception {
    Picocom p = attach("");
    for (int i = 1; i <= 5; i++) {
      p.line("login");
      p.awaitCount("PIN:", i);
      p.line("9999");
      p.awaitCount("wrong PIN", i);
    }
    String s = p.screen();
    assertTrue(s.contains("wrong PIN; logins are locked for 30 s"), s);
    assertFalse(s.contains("9999"), "a PIN is never echoed:\n" + s);
    pole.awaitAudit("login failed (5 in a row)");
    picocom.close();
    line.close();
    pole.restart();
    p = attach("");
    p.line("login");
    p.awaitCount("PIN:", 1);
    p.line(Pole.PIN);
    s = p.await("the lock", x -> x.contains("logins are locked for"));
    assertTrue(after(s, "PIN:").contains("after 5 wrong PINs"), s);
    p.line("whoami");
    p.await("still anonymous", x -> x.contains("anonymous@serial:"));
    assertFalse(p.screen().contains(Pole.PIN), "the PIN is never echoed");
  }

  @Test
  void aConfigEditAppliedOnTheConsoleReachesThePlatformAsAnAckWithOriginConsoleAndAnAudit() throws Exception {
    Picocom p = attach("");
    p.line("config set sensors[pms].interval_s 30");
    p.await("the refusal", x -> x.contains("config set changes the pole: log in first"));
    p.line("login");
    p.awaitCount("PIN:", 1);
    p.line(Pole.PIN);
    p.await("logged in", x -> x.contains("logged in as technician; changes are audited"));
    // the PIN is not in the history: up shows the line before it
    p.press("Up");
    p.await("the history without the PIN", x -> x.lines().reduce((a, b) -> b).orElse("").equals(Pole.ID + "# login"));
    p.press("C-u");
    p.line("config set sensors[pms].interval_s 0");
    p.line("config apply");
    String s = p.await("every error before apply", x -> x.contains("not applied; fix these first"));
    assertTrue(after(s, "not applied").contains("sensors[0].interval_s"), s);
    p.line("config discard");
    p.line("config set sensors[pms].interval_s 30");
    p.line("config diff");
    p.await("the diff", x -> x.contains("sensors[pms].interval_s: 10 -> 30"));
    p.line("config apply");
    s = p.await("applied", x -> x.contains("applied as version 2: changed sensors[pms].interval_s"));
    ConfigAckMessage ack = pole.platform.ack(Pole.ID, 1);
    assertEquals(ConfigAckMessage.Result.APPLIED, ack.result());
    assertEquals(ConfigAckMessage.CONSOLE, ack.origin());
    assertEquals(2, ack.version());
    assertEquals(List.of("sensors[pms].interval_s"), ack.changed());
    assertEquals(30, pole.runtime.config().getSensors(0).getIntervalS());
    ConsoleMessages.Audit audit = pole.awaitAudit("config apply version 2");
    assertTrue(audit.who().startsWith("technician@serial:"), audit.toString());
    assertEquals("config apply version 2: changed sensors[pms].interval_s", audit.what());
    ConsoleMessages.Audit login = pole.awaitAudit("login");
    assertTrue(login.seq() < audit.seq(), "oldest first: " + pole.audits());
    keep("config-apply", s);
    Files.writeString(Path.of("target", "console-screens", "audit-at-platform.txt"),
        String.join("\n", pole.audits().stream().map(ConsoleMessages.Audit::toString).toList()) + "\n");
    // the PIN nowhere: not on the screen, not in the audit on flash, not in the log
    String onFlash = Files.readString(pole.runtime.stateRoot().resolve("console/audit.log"), StandardCharsets.UTF_8);
    assertFalse(p.screen().contains(Pole.PIN), "screen");
    assertFalse(onFlash.contains(Pole.PIN), onFlash);
    assertFalse(String.join("\n", RecentLog.newest(RecentLog.CAPACITY)).contains(Pole.PIN), "log");
    assertTrue(pole.audits().stream().noneMatch(a -> a.what().contains(Pole.PIN)), "audit at the platform");
  }

  @Test
  void theConsoleFollowsItsPortWhenAnAppliedConfigMovesIt() throws Exception {
    pole = new Pole(dir).started();
    line = SocatPty.start(dir, "ttyA");
    SocatPty other = SocatPty.start(dir, "ttyB");
    try {
      // the config names the first port; the console follows console.serial_port
      pole.runtime.configAgent().submit(pole.runtime.config().toBuilder().setVersion(2)
          .setConsole(pole.runtime.config().getConsole().toBuilder().setSerialPort(line.devicePath().toString())).build(),
          ConfigAckMessage.CONSOLE, 0).get();
      pole.runtime.console().serveSerial(null, null, 0);
      picocom = Picocom.start(line.driverPath(), 115200, "");
      picocom.enterUntil("a prompt on the first port", s -> s.contains(Pole.ID + ">"));
      picocom.line("login");
      picocom.awaitCount("PIN:", 1);
      picocom.line(Pole.PIN);
      picocom.line("config set console.serial_port " + other.devicePath());
      picocom.line("config apply");
      picocom.await("applied", s -> s.contains("applied as version 3: changed console.serial_port"));
      picocom.await("the first port's last words", s -> s.contains("the console moved to another port or speed"));
      try (Picocom second = Picocom.start(other.driverPath(), 115200, "")) {
        second.enterUntil("the console on the second port", s -> s.contains(Pole.ID + ">"));
        second.line("whoami");
        second.await("a new session there", s -> s.contains("anonymous@serial:" + other.devicePath()));
      }
      pole.awaitAudit("logout: line lost (the console moved to another port or speed");
    } finally {
      other.close();
    }
  }

  @Test
  void aCablePulledMidEditLeavesNothingHalfDoneAndTheConsoleComesBack() throws Exception {
    Picocom p = attach("");
    p.line("login");
    p.awaitCount("PIN:", 1);
    p.line(Pole.PIN);
    p.await("logged in", x -> x.contains("logged in as technician;"));
    p.line("config set uplink.batch_window_s 60");
    p.await("staged", x -> x.contains("staged: uplink.batch_window_s = 60"));
    // the cable is pulled: the line goes away under the console
    picocom.close();
    line.close();
    ConsoleMessages.Audit lost = pole.awaitAudit("line lost");
    assertTrue(lost.what().contains("1 staged config edits dropped, nothing applied"), lost.toString());
    assertEquals(1, pole.runtime.config().getVersion());
    assertEquals(10, pole.runtime.config().getUplink().getBatchWindowS());
    // plugged in again: the console answers on the same port, logged out
    line = SocatPty.start(dir, "console");
    picocom = Picocom.start(line.driverPath(), 115200, "");
    picocom.enterUntil("a prompt", s -> s.contains(Pole.ID + ">"));
    picocom.line("whoami");
    picocom.await("logged out", s -> s.contains("anonymous@serial:"));
    picocom.line("config diff");
    picocom.await("nothing staged", s -> s.contains("nothing staged"));
  }
}

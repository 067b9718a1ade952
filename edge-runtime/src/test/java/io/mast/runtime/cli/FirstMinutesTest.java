package io.mast.runtime.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.runtime.peers.Mosquitto;
import io.mast.sim.EmbeddedBroker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first ten minutes of someone following the README: {@code mast run --sim} in a child
 * process, its printed subscribe lines pasted into a shell with Debian's mosquitto_sub, data
 * within seconds, Ctrl-C, a second run on the same store, and the screen of a real pty.
 */
class FirstMinutesTest {
  private static final Duration START = Duration.ofSeconds(60);

  @TempDir
  Path dir;

  /** Runs a printed command line in sh, its output line by line into {@code lines}. */
  private static Process shell(String command, List<String> lines) throws Exception {
    Process p = new ProcessBuilder("sh", "-c", command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          lines.add(line);
        }
      } catch (java.io.IOException e) {
        // the process ended
      }
    });
    reader.setDaemon(true);
    reader.start();
    return p;
  }

  private static String printedLine(String output, String containing) {
    return output.lines().filter(l -> l.contains(containing)).findFirst().orElseThrow(
        () -> new AssertionError("no line with '" + containing + "' in:\n" + output)).strip();
  }

  @Test
  void theSubscribeLinesPrintedByRunSimWorkWhenPastedDataComesWithinSecondsAndCtrlCSendsTheRest() throws Exception {
    Mosquitto.client("mosquitto_sub");
    int port = EmbeddedBroker.freePort();
    try (ChildRun run = ChildRun.start(dir.resolve("run.log"), Map.of("MAST_COMMAND", "mast"),
        "run", "--sim", "--store", dir.resolve("state").toString(), "--broker-port", Integer.toString(port))) {
      String out = run.awaitOutput("running as", START);
      String watch = printedLine(out, "-F '%I %t %l bytes'");
      String decoded = printedLine(out, "| mast decode --hex --follow");
      assertEquals("mosquitto_sub -h 127.0.0.1 -p " + port + " -t 'm/#' -F '%I %t %l bytes'", watch);

      // pasted as printed: the embedded broker takes mosquitto_sub's empty client id
      List<String> watched = Collections.synchronizedList(new ArrayList<>());
      Process w = shell(watch + " -C 3 -W 60", watched);
      List<String> hex = Collections.synchronizedList(new ArrayList<>());
      Process h = shell(decoded.substring(0, decoded.indexOf(" | ")), hex);
      try {
        assertTrue(w.waitFor(60, TimeUnit.SECONDS), "mosquitto_sub ended: " + watched);
        assertEquals(0, w.exitValue(), "mosquitto_sub as printed: " + watched);
        assertEquals(3, watched.size(), watched.toString());
        for (String line : watched) {
          assertTrue(line.matches("\\S+ m/sim-pole-1/[a-z]+ \\d+ bytes"), line);
        }
        // the first frame leaves at the end of the sim's 10 s batch window, not after 300 s
        await("the first telemetry frame").atMost(Duration.ofSeconds(40))
            .until(() -> hex.stream().anyMatch(l -> l.startsWith("m/sim-pole-1/t ")));
      } finally {
        w.destroy();
        h.destroy();
      }
      Cli.Result rows = Cli.run(String.join("\n", hex) + "\n", "decode", "--hex", "--follow");
      assertEquals(0, rows.status(), rows.err());
      assertTrue(rows.out().startsWith("time,channel,value\n"), rows.out());
      assertTrue(rows.out().contains("# m/sim-pole-1/s status: state: ONLINE"), rows.out());
      assertTrue(rows.out().contains("# m/sim-pole-1/p profile: "), rows.out());
      assertTrue(Pattern.compile("\\n20\\d\\d-\\d\\d-\\d\\dT[0-9:]+Z,air\\.pm25,\\d+\\n").matcher(rows.out()).find(), rows.out());

      // Ctrl-C: what is stored is cut, sent and acknowledged before the summary
      run.interrupt();
      assertEquals(130, run.awaitExit(Duration.ofSeconds(30)), "stopped by SIGINT, as a shell reports Ctrl-C");
      String end = run.output();
      assertTrue(end.contains("mast: stopped after "), end);
      assertTrue(end.contains("; nothing left unsent"), end);
    }
  }

  @Test
  void theStopSummaryAppearsOnEveryCtrlCAndASecondRunOnTheSameStoreIsRefusedBeforeItStartsAnything() throws Exception {
    Path state = dir.resolve("state");
    try (EmbeddedBroker broker = EmbeddedBroker.start(0)) {
      for (int i = 0; i < 3; i++) {
        Path log = dir.resolve("run" + i + ".log");
        try (ChildRun run = ChildRun.start(log, Map.of(), "run", "--sim", "--store", state.toString(), "--broker", broker.uri())) {
          run.awaitOutput("uplink: connected", START);
          if (i == 0) {
            Path secondLog = dir.resolve("second.log");
            try (ChildRun second = ChildRun.start(secondLog, Map.of(), "run", "--sim", "--store", state.toString())) {
              assertEquals(1, second.awaitExit(START), second.output());
              String said = second.output();
              assertTrue(said.contains(state.resolve("store") + " is in use by another Mast process (process " + run.process.pid()),
                  said);
              assertFalse(said.contains("embedded MQTT broker"), "nothing started: " + said);
            }
          }
          run.interrupt();
          assertEquals(130, run.awaitExit(Duration.ofSeconds(30)), "stopped by SIGINT, as a shell reports Ctrl-C");
          String out = run.output();
          Matcher m = Pattern.compile("mast: stopped after [0-9.]+ s: [0-9,]+ readings? stored, [0-9,]+ acknowledged in [0-9,]+ frames?")
              .matcher(out);
          assertTrue(m.find(), "run " + i + ": " + out);
          assertTrue(out.endsWith("nothing left unsent\n"), "run " + i + ": the summary is the last line: " + out);
        }
      }
    }
  }

  @Test
  void onAPtyTheStatusLineIsRedrawnInPlaceWithin80ColumnsAndLogLinesScrollAboveIt() throws Exception {
    Path typescript = dir.resolve("typescript");
    String command = "TERM=xterm " + ChildRun.shellCommand("run", "--sim", "--store", dir.resolve("state").toString(), "--duration", "12");
    // util-linux script gives the child a real pty (of no size: the width falls back to 80)
    Process p = new ProcessBuilder("script", "-qfec", command, typescript.toString())
        .redirectInput(ProcessBuilder.Redirect.PIPE).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the 12 s run ended");
    String screen = Files.readString(typescript, StandardCharsets.UTF_8);
    assertTrue(screen.contains("mast: stopped after"), screen);
    List<String> statuses = new ArrayList<>();
    for (String piece : screen.split("\r\033\\[K", -1)) {
      if (!piece.isEmpty() && !piece.contains("\n") && piece.contains(" stored, ")) {
        statuses.add(piece);
      }
    }
    assertTrue(statuses.size() >= 5, "redrawn in place about once a second: " + statuses);
    for (String s : statuses) {
      assertTrue(s.length() <= 79, s.length() + " columns: " + s);
      assertTrue(s.matches("[0-9,]+ readings? stored, [0-9,]+ acked \\| link [a-z ,0-9.:]+( \\| .*)?"), s);
    }
    // every log line begins at the left margin: the status line was cleared before it
    Matcher log = Pattern.compile("(.)(\\d\\d:\\d\\d:\\d\\d INFO: uplink: connected)").matcher(screen);
    assertTrue(log.find(), screen);
    assertTrue(screen.substring(0, log.start(2)).endsWith("\r\033[K") || log.group(1).equals("\n"), screen);
  }
}

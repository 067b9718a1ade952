package io.mast.devkit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.sim.Mosquitto;
import io.mast.runtime.peers.Picocom;
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

  /** Runs printed command lines in sh with {@code path} as PATH, its output line by line into {@code lines}. */
  /** A shell command whose output lines are collected as they come. */
  private record Piped(Process process, Thread reader) {
    /** Whether the command ended within {@code seconds} and its output was read to the end. */
    boolean ended(long seconds) throws InterruptedException {
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        return false;
      }
      reader.join(TimeUnit.SECONDS.toMillis(10));
      return !reader.isAlive();
    }

    void destroy() {
      process.destroy();
    }
  }

  private static Piped shell(String command, List<String> lines, String path) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("sh", "-c", command).redirectError(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("PATH", path);
    Process p = pb.start();
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
    return new Piped(p, reader);
  }

  @Test
  void theSubscribeLinesPrintedByRunSimWorkWhenPastedDataComesWithinSecondsAndCtrlCSendsTheRest() throws Exception {
    Mosquitto.client("mosquitto_sub");
    // "mast" on the PATH, as the pasted pipe expects: this build's command line
    Path bin = dir.resolve("bin");
    Files.createDirectories(bin);
    Path mast = bin.resolve("mast");
    Files.writeString(mast, "#!/bin/sh\nexec " + ChildRun.shellCommand() + " \"$@\"\n");
    mast.toFile().setExecutable(true);
    String path = bin + ":" + System.getenv("PATH");

    int port = EmbeddedBroker.freePort();
    try (ChildRun run = ChildRun.start(dir.resolve("run.log"), Map.of("MAST_COMMAND", "mast"),
        "run", "--sim", "--store", dir.resolve("state").toString(), "--broker-port", Integer.toString(port))) {
      String out = run.awaitOutput("Ctrl-C stops", START);
      List<String> printed = out.lines().dropWhile(l -> !l.contains("to watch it:")).skip(1).takeWhile(l -> l.startsWith("  ")).toList();
      assertEquals(3, printed.size(), "a listing line and a decoding pipe continued on a second line: " + out);
      for (String line : out.lines().toList()) {
        // what mast itself says fits 80 columns; log lines and lines that show a path of the state
        // directory (this test's is long) carry data and are left as they are
        assertTrue(line.length() <= 80 || line.matches("(\\d{4}-\\d\\d-\\d\\d )?\\d\\d:\\d\\d:\\d\\d.*")
            || line.contains(dir.resolve("state").toString()), "fits 80 columns: " + line);
      }
      assertEquals("  mosquitto_sub -h 127.0.0.1 -p " + port + " -t 'm/#' -F '%I %t %l bytes'", printed.get(0));
      assertTrue(printed.get(1).endsWith(" -F '%t %x' \\") && printed.get(2).equals("    | mast decode --hex --follow"), printed.toString());

      // pasted as printed (bounded by a count and a timeout): the embedded broker takes
      // mosquitto_sub's empty client id, and the pipe shows readings and the other messages
      List<String> watched = Collections.synchronizedList(new ArrayList<>());
      Piped w = shell(printed.get(0).strip() + " -C 3 -W 60", watched, path);
      List<String> decoded = Collections.synchronizedList(new ArrayList<>());
      String pipe = printed.get(1).strip().replace(" \\", " -C 5 -W 90 \\") + "\n" + printed.get(2);
      Piped d = shell(pipe, decoded, path);
      try {
        assertTrue(w.ended(60), "mosquitto_sub ended: " + watched);
        assertEquals(0, w.process().exitValue(), "mosquitto_sub as printed: " + watched);
        assertEquals(3, watched.size(), watched.toString());
        for (String line : watched) {
          assertTrue(line.matches("\\S+ m/sim-pole-1/[a-z]+ \\d+ bytes"), line);
        }
        // the first frame leaves at the end of the sim's 10 s batch window, not after 300 s
        await("the first readings through the pasted pipe").atMost(Duration.ofSeconds(60))
            .until(() -> decoded.stream().anyMatch(l -> l.matches("20\\d\\d-\\d\\d-\\d\\dT[0-9:]+Z,air\\.pm25,\\d+")));
        assertTrue(d.ended(90), "the pipe ends after 5 messages: " + decoded);
      } finally {
        w.destroy();
        d.destroy();
      }
      assertEquals("time,channel,value", decoded.get(0));
      assertTrue(decoded.stream().anyMatch(l -> l.startsWith("# m/sim-pole-1/s status: state: ONLINE")), decoded.toString());
      assertTrue(decoded.stream().anyMatch(l -> l.startsWith("# m/sim-pole-1/p profile: ")), decoded.toString());
      // the pole's meters on their buses: CJ/T 188 water and gas, DL/T 645 electricity
      for (String meter : List.of("district.water.volume", "district.gas.volume", "lighting.energy")) {
        assertTrue(decoded.stream().anyMatch(l -> l.matches("20\\d\\d-[0-9:T-]+Z," + meter.replace(".", "\\.") + ",\\d+\\.\\d\\d")),
            meter + " in the decoded frames: " + decoded);
      }

      // the printed push, pasted with a copy of the printed config given a new version and interval
      List<String> push = out.lines().dropWhile(l -> !l.startsWith("mast: to change it live")).skip(1)
          .takeWhile(l -> l.startsWith("  ")).toList();
      Path current = Path.of(push.get(0).strip());
      io.mast.config.model.DeviceConfig v1 = io.mast.config.DeviceConfigs.readFile(current);
      io.mast.config.model.DeviceConfig v2 = v1.toBuilder().setVersion(2)
          .setSensors(0, v1.getSensors(0).toBuilder().setIntervalS(30)).build();
      Path file = dir.resolve("FILE.json");
      Files.writeString(file, io.mast.config.DeviceConfigs.toJson(v2));
      List<String> answer = Collections.synchronizedList(new ArrayList<>());
      Piped pushed = shell(String.join("\n", push.subList(1, push.size())).replace("FILE.json", file.toString()), answer, path);
      assertTrue(pushed.ended(60), "the pasted push ended: " + answer);
      assertEquals(0, pushed.process().exitValue(), "the pasted push: " + answer);
      assertTrue(answer.contains("sim-pole-1: APPLIED version 2, active 2"), answer.toString());
      assertTrue(answer.contains("  changed: sensors[pms].interval_s"), answer.toString());

      // Ctrl-C: what is stored is cut, sent and acknowledged before the summary
      run.interrupt();
      assertEquals(130, run.awaitExit(Duration.ofSeconds(30)), "stopped by SIGINT, as a shell reports Ctrl-C");
      String end = run.output();
      assertTrue(end.contains("mast: stopped after "), end);
      assertTrue(end.contains("mast: nothing left unsent\n"), end);
    }
  }

  @Test
  void theConsoleLinesPrintedByRunSimWorkInPicocomAndMastConsoleAndRestartComesBack() throws Exception {
    int port = EmbeddedBroker.freePort();
    try (ChildRun run = ChildRun.start(dir.resolve("run.log"), Map.of("MAST_COMMAND", ChildRun.shellCommand()),
        "run", "--sim", "--store", dir.resolve("state").toString(), "--broker-port", Integer.toString(port))) {
      String out = run.awaitOutput("Ctrl-C stops", START);
      String picocomLine = out.lines().filter(l -> l.startsWith("mast: console: picocom ")).findFirst()
          .orElseThrow(() -> new AssertionError("no picocom line: " + out));
      assertTrue(picocomLine.endsWith(" (PIN 0000)"), picocomLine);
      String attachLine = out.lines().filter(l -> l.startsWith("  or: ")).findFirst().orElseThrow().substring("  or: ".length());
      // the picocom line, pasted as printed, in a real terminal
      try (io.mast.runtime.peers.Picocom p = io.mast.runtime.peers.Picocom.run(
          picocomLine.substring("mast: console: ".length(), picocomLine.length() - " (PIN 0000)".length()))) {
        p.enterUntil("a prompt", s -> s.contains("sim-pole-1>"));
        p.line("status");
        p.await("the status", s -> s.contains("pole     sim-pole-1, simulated board"));
        p.line("login");
        p.await("the PIN prompt", s -> s.contains("PIN:"));
        p.line("0000");
        p.await("logged in", s -> s.contains("logged in as technician; changes are audited"));
        p.line("config set sensors[pms].interval_s 30");
        p.line("config apply");
        p.await("applied", s -> s.contains("applied as version 2: changed sensors[pms].interval_s"));
        // the attach line, pasted with two commands on its input, as over SSH
        List<String> attached = Collections.synchronizedList(new ArrayList<>());
        Piped mastConsole = shell("printf 'config get sensors[pms].interval_s\\nsensors\\nexit\\n' | " + attachLine, attached, System.getenv("PATH"));
        assertTrue(mastConsole.ended(60), "mast console ended after exit: " + attached);
        assertTrue(attached.stream().anyMatch(l -> l.contains("sensors[pms].interval_s = 30")), attached.toString());
        for (String meter : List.of("water-main +cjt188", "gas-main +cjt188", "lamp-energy +dlt645")) {
          assertTrue(attached.stream().anyMatch(l -> l.matches(meter + " .*")), meter + " in sensors: " + attached);
        }
        // restart, confirmed: the runtime stops, starts again on the same state, and the console answers
        p.line("restart");
        p.await("the question", s -> s.contains("restart Mast now? type yes:"));
        p.line("yes");
        run.awaitOutput("mast: restarting", START);
        p.enterUntil("the console back after the restart", s -> s.contains("Mast console on sim-pole-1"));
        p.line("config get sensors[pms].interval_s");
        p.await("the edit kept", s -> Picocom.count(s, "sensors[pms].interval_s = 30") >= 1);
      }
    }
  }

  /** The last line of a screen that is not blank, trailing blanks cut. */
  private static String lastLine(String screen) {
    List<String> lines = screen.lines().map(String::stripTrailing).filter(l -> !l.isEmpty()).toList();
    return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
  }

  @Test
  void withConsoleTerminalALogLineNeverSplitsTheLineBeingTypedAndExitStopsMast() throws Exception {
    int port = EmbeddedBroker.freePort();
    String command = ChildRun.shellCommand("run", "--sim", "--console", "terminal", "--store", dir.resolve("state").toString(),
        "--broker-port", Integer.toString(port)) + " 2>&1; echo mast-ended-$?; stty -a | grep -q -- -icanon && echo tty-left-raw || echo tty-restored; sleep 600";
    try (Picocom t = Picocom.run(command)) {
      t.await("the console's prompt", s -> s.contains("sim-pole-1>"));
      t.type("who");
      t.await("the command half typed", s -> lastLine(s).equals("sim-pole-1> who"));
      // a log line while it is typed (a push refused, retained so the pole has it whenever it subscribes): above the line, not in it
      Process pub = new ProcessBuilder(Mosquitto.client("mosquitto_pub"), "-h", "127.0.0.1", "-p", Integer.toString(port), "-r", "-t",
          "m/sim-pole-1/c", "-m", "not a signed push").redirectErrorStream(true).start();
      assertTrue(pub.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) && pub.exitValue() == 0,
          new String(pub.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
      String logged = t.await("the refusal logged", s -> s.contains("config: a push refused"));
      assertEquals("sim-pole-1> who", lastLine(logged), "the half-typed line drawn again below the log line: " + logged);
      t.press("Tab").press("Enter");
      t.await("whoami completed and run", s -> s.contains("anonymous@terminal"));
      t.press("Up");
      t.await("the history", s -> s.lines().anyMatch(l -> l.endsWith("sim-pole-1> whoami")));
      t.press("C-u").type("exit").press("Enter");
      String s = t.await("Mast stopped", x -> x.contains("mast-ended-0"));
      assertTrue(s.contains("mast: stopped after"), s);
      t.await("the terminal restored", x -> x.contains("tty-restored"));
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
          Matcher m = Pattern.compile("mast: stopped after [0-9.]+ s: [0-9,]+ readings? stored, [0-9,]+ acknowledged\n"
              + "mast: [0-9,]+ frames? sent, [0-9,]+ acknowledged, [0-9,]+ alarms?, [0-9.]+ k?B on the wire\n")
              .matcher(out);
          assertTrue(m.find(), "run " + i + ": " + out);
          assertTrue(out.endsWith("mast: nothing left unsent\n"), "run " + i + ": the summary is the last line: " + out);
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
    // (DOTALL: the character before may be the newline of the line above, when no status line was drawn yet)
    Matcher log = Pattern.compile("(.)(\\d\\d:\\d\\d:\\d\\d INFO: uplink: connected)", Pattern.DOTALL).matcher(screen);
    assertTrue(log.find(), screen);
    assertTrue(screen.substring(0, log.start(2)).endsWith("\r\033[K") || log.group(1).equals("\n"), screen);
  }
}

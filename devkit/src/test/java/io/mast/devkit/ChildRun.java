package io.mast.devkit;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A {@code mast} command in a child JVM (the pole's options and archive, as the launcher starts
 * it) with stdout and stderr in one file, for tests that watch it the way a person would: wait
 * for a line, send it a signal, read what it said last.
 */
final class ChildRun implements AutoCloseable {
  final Process process;
  final Path log;

  private ChildRun(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  static ChildRun start(Path log, Map<String, String> env, String... args) throws IOException {
    return start(log, env, List.of(), args);
  }

  /** As {@link #start(Path, Map, String...)} with {@code jvmOptions} after the pole's own. */
  static ChildRun start(Path log, Map<String, String> env, List<String> jvmOptions, String... args) throws IOException {
    ProcessBuilder pb = ChildJvm.mast(ChildJvm.runOptions(jvmOptions.toArray(String[]::new)), List.of(args)).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().remove("INVOCATION_ID");
    pb.environment().putAll(env);
    return new ChildRun(pb.start(), log);
  }

  /** The command line of {@link #start} as one shell-quoted string, for {@code script -c}. */
  static String shellCommand(String... args) {
    List<String> quoted = new ArrayList<>();
    for (String a : ChildJvm.mast(ChildJvm.runOptions(), List.of(args)).command()) {
      quoted.add("'" + a.replace("'", "'\\''") + "'");
    }
    return String.join(" ", quoted);
  }

  String output() throws IOException {
    return Files.readString(log, StandardCharsets.UTF_8);
  }

  /** Waits until the output contains {@code text} (or the process ends without it); returns the output. */
  String awaitOutput(String text, Duration atMost) throws IOException {
    await("'" + text + "' in " + log).atMost(atMost).pollInterval(Duration.ofMillis(50))
        .until(() -> output().contains(text) || !process.isAlive());
    return output();
  }

  /** Sends SIGINT, as Ctrl-C on its terminal would. */
  void interrupt() throws IOException, InterruptedException {
    // a shell without job control starts its background commands with SIGINT ignored, and children inherit that
    String status = Files.readString(Path.of("/proc/" + process.pid() + "/status"), StandardCharsets.UTF_8);
    java.util.regex.Matcher ignored = java.util.regex.Pattern.compile("SigIgn:\\s*([0-9a-f]+)").matcher(status);
    if (ignored.find() && (Long.parseLong(ignored.group(1), 16) & 2) != 0) {
      throw new AssertionError("SIGINT is ignored in this test run (its JVM was started in the background by a shell without job "
          + "control, e.g. 'cmd &' in a script), so Ctrl-C cannot be tested: run the tests in the foreground (or under setsid)");
    }
    // the shell's own kill: a minimal system has no kill(1) program
    Process kill = new ProcessBuilder("sh", "-c", "kill -INT \"$0\"", Long.toString(process.pid())).inheritIO().start();
    if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new AssertionError("could not send SIGINT to " + process.pid());
    }
  }

  int awaitExit(Duration atMost) throws InterruptedException, IOException {
    if (!process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("the child did not exit within " + atMost + ":\n" + output());
    }
    return process.exitValue();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      // SIGTERM first, so the child's shutdown hooks stop what it started (its socat ptys); then SIGKILL
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}

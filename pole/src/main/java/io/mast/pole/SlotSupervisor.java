package io.mast.pole;

import io.mast.ota.BootState;
import io.mast.seams.DurableFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code mast run --sim --slots}: a simulated pole laid out as a real one is, with its OTA slots
 * under its state directory, so an update installs, proves itself and commits or rolls back.
 *
 * <pre>
 *   STATE/slots/a/        this distribution (bin/mast and its jars), made at the first start
 *   STATE/slots/b/        where an update is staged
 *   STATE/boot            the boot pointer (BootState)
 *   STATE/launcher        the launcher script of the ota module, written at every start
 * </pre>
 *
 * This process plays systemd's part: it runs {@code sh STATE/launcher STATE run ...} (the
 * launcher picks the slot and counts a trial's starts), starts it again when it exits for an
 * update (75) or fails (as {@code Restart=on-failure}, after {@link #RESTART_DELAY_MS} ms), and
 * gives up after {@value #START_LIMIT} failed starts within {@link #START_WINDOW_S} s (a start
 * limit above the launcher's three tries, so a crash-looping update is rolled back first). A trial
 * start that neither commits nor exits within its deadline ({@code MAST_TRIAL_DEADLINE_S}) and
 * {@link #TRIAL_GRACE} is taken for hung and killed, as systemd's watchdog would. The broker (the
 * embedded one unless {@code --broker}) lives here, so it outlasts every restart.
 */
public final class SlotSupervisor {
  static final int START_LIMIT = 20;
  static final long START_WINDOW_S = 120;
  static final long RESTART_DELAY_MS = 1000;

  /** How long after a trial start's own deadline the supervisor takes it for hung. */
  static final java.time.Duration TRIAL_GRACE = java.time.Duration.ofSeconds(5);

  private SlotSupervisor() {}

  /** Whether the boot pointer has a trial slot (the start running now is it, or the launcher fell back for a missing program). */
  private static boolean onTrial(Path root) {
    try {
      BootState b = BootState.read(DurableFiles.real(), root);
      return !b.trial().isEmpty() && b.tries() > 0;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Makes {@code slot} a distribution that runs Mast from {@code classpath}: with {@code copy}
   * each jar is copied into {@code slot/lib} (a slot that stands alone, as a pole's does), else
   * {@code bin/mast} names the entries where they are (a test's classpath).
   */
  public static void installSlot(Path slot, List<Path> classpath, boolean copy) throws IOException {
    Files.createDirectories(slot.resolve("bin"));
    List<String> entries = new ArrayList<>();
    if (copy) {
      Files.createDirectories(slot.resolve("lib"));
      for (Path p : classpath) {
        if (Files.isRegularFile(p) && p.getFileName().toString().endsWith(".jar")) {
          Files.copy(p, slot.resolve("lib").resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        } else if (Files.isDirectory(p)) {
          throw new IOException("the class path entry " + p + " is a directory; mast run --slots copies the jars of a built distribution"
              + " (./mast, after ./mvnw package)");
        }
      }
      entries.add("$here/lib/*");
    } else {
      classpath.forEach(p -> entries.add(p.toAbsolutePath().toString()));
    }
    String script = "#!/bin/sh\n"
        + "# Mast of this slot, started by the launcher: bin/mast ARGS...\n"
        + "here=\"$(cd \"$(dirname \"$0\")/..\" && pwd)\"\n"
        + "exec java -XX:+UseSerialGC ${MAST_JAVA_OPTS:-} -cp \"" + String.join(":", entries) + "\" io.mast.cli.MastCommand \"$@\"\n";
    Path bin = slot.resolve("bin/mast");
    Files.writeString(bin, script, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  /** The class path this JVM runs from, one entry per path. */
  public static List<Path> ownClasspath() {
    List<Path> out = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      if (!e.isBlank()) {
        out.add(Path.of(e));
      }
    }
    return out;
  }

  /**
   * Lays out {@code root} (slot a from this distribution when missing, the launcher, the boot
   * pointer) and supervises {@code sh root/launcher root run args...} until it exits 0, this process
   * is stopped, or the start limit is hit; returns the exit status.
   */
  static int supervise(Path root, List<String> args, PrintStream err) throws IOException, InterruptedException {
    Path slotA = root.resolve("slots/a");
    if (!Files.isExecutable(slotA.resolve("bin/mast"))) {
      err.println("mast: installing this distribution as slot a under " + root.resolve("slots"));
      installSlot(slotA, ownClasspath(), true);
    }
    Path launcher = BootState.installLauncher(root);
    if (!Files.exists(root.resolve("boot"))) {
      BootState.initial().write(DurableFiles.real(), root);
    }
    List<String> command = new ArrayList<>(List.of("/bin/sh", launcher.toString(), root.toString(), "run"));
    command.addAll(args);
    Deque<Long> failures = new ArrayDeque<>();
    Process[] current = new Process[1];
    boolean[] stopping = new boolean[1];
    Thread hook = new Thread(() -> {
      synchronized (current) {
        stopping[0] = true;
        if (current[0] != null) {
          current[0].destroy(); // SIGTERM: Mast stops cleanly, sending what it stored
          try {
            current[0].waitFor(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
    }, "mast-supervisor-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    while (true) {
      Process p;
      synchronized (current) {
        if (stopping[0]) {
          return 143;
        }
        p = new ProcessBuilder(command).inheritIO().start();
        current[0] = p;
      }
      long started = System.nanoTime();
      long limit = trialDeadline().plus(TRIAL_GRACE).toNanos();
      boolean killed = false;
      while (!p.waitFor(1, TimeUnit.SECONDS)) {
        // systemd's watchdog, played here: a trial start that neither commits nor exits within its deadline is hung
        if (!killed && System.nanoTime() - started > limit && onTrial(root)) {
          err.println("mast: supervisor: the trial start did not commit or exit within " + TimeUnit.NANOSECONDS.toSeconds(limit)
              + " s; killing it (SIGKILL), as a watchdog would");
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly();
          killed = true;
        }
      }
      int rc = p.exitValue();
      synchronized (current) {
        current[0] = null;
        if (stopping[0]) {
          return rc;
        }
      }
      if (rc == 0) {
        Runtime.getRuntime().removeShutdownHook(hook);
        return 0;
      }
      if (rc == RunCommand.RESTART_EXIT) {
        err.println("mast: supervisor: Mast exited for a restart; the launcher picks the slot");
        continue;
      }
      long now = System.nanoTime();
      failures.addLast(now);
      while (!failures.isEmpty() && now - failures.peekFirst() > TimeUnit.SECONDS.toNanos(START_WINDOW_S)) {
        failures.removeFirst();
      }
      if (failures.size() >= START_LIMIT) {
        err.println("mast: supervisor: Mast failed " + failures.size() + " times within " + START_WINDOW_S + " s; giving up");
        Runtime.getRuntime().removeShutdownHook(hook);
        return rc;
      }
      err.println("mast: supervisor: Mast exited with " + rc + "; starting it again in " + RESTART_DELAY_MS + " ms");
      Thread.sleep(RESTART_DELAY_MS); // systemd's RestartSec: a pause between starts, not a wait for an event
    }
  }

  /**
   * How long an update's first start has to prove itself: {@code MAST_TRIAL_DEADLINE_S} (a pole
   * whose sensors are slow to answer may need longer), else {@link io.mast.runtime.ota.OtaAgent#TRIAL_DEADLINE}.
   */
  static java.time.Duration trialDeadline() {
    String s = System.getenv("MAST_TRIAL_DEADLINE_S");
    if (s != null && s.matches("[0-9]{1,6}") && Integer.parseInt(s) > 0) {
      return java.time.Duration.ofSeconds(Integer.parseInt(s));
    }
    if (s != null && !s.isBlank()) {
      System.err.println("mast: MAST_TRIAL_DEADLINE_S=" + s + " is not a number of seconds from 1 to 999999; using "
          + io.mast.runtime.ota.OtaAgent.TRIAL_DEADLINE.toSeconds());
    }
    return io.mast.runtime.ota.OtaAgent.TRIAL_DEADLINE;
  }

  /** {@code --sim --slots}: the broker here, Mast in a child process through the launcher, started again as systemd would. */
}

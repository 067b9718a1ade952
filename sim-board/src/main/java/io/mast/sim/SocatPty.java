package io.mast.sim;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real pseudo-terminal pair made by socat ({@code pty,raw,echo=0} on both sides), for
 * integration tests and for pointing real tools (picocom, mbpoll) at a simulator. The simulator
 * opens {@link #devicePath()}, the driver or tool opens {@link #driverPath()}; both are symlinks in
 * the given directory to {@code /dev/pts/N}. The pair is ready when socat has reported both ptys on
 * its standard error, which this constructor reads. {@link #close()} stops socat.
 */
public final class SocatPty implements AutoCloseable {
  private static final Pattern PTY = Pattern.compile("PTY is (/dev/pts/\\d+)");

  private final Process process;
  private final Path devicePath;
  private final Path driverPath;
  private final Thread reaper;

  private SocatPty(Process process, Path devicePath, Path driverPath) {
    this.process = process;
    this.devicePath = devicePath;
    this.driverPath = driverPath;
    this.reaper = new Thread(this::close, "socat-reaper");
  }

  /** Starts socat with links {@code dir/name.device} and {@code dir/name}. */
  public static SocatPty start(Path dir, String name) throws IOException {
    Path device = dir.resolve(name + ".device");
    Path driver = dir.resolve(name);
    // socat under a shell that holds this JVM's pipe on its standard input: when the JVM ends, even
    // by SIGKILL, the pipe closes, the read returns and socat is stopped (nothing orphaned)
    List<String> command = List.of("sh", "-c", "command -v socat >/dev/null || { echo 'socat: not found' >&2; exit 127; }; "
        + "socat -d -d \"$1\" \"$2\" & s=$!; read -r _ || true; kill $s 2>/dev/null; wait $s", "socat-pty",
        "pty,raw,echo=0,link=" + device, "pty,raw,echo=0,link=" + driver);
    Process process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
    List<String> ptys = new ArrayList<>();
    List<String> said = new ArrayList<>();
    String line;
    while (ptys.size() < 2 && (line = err.readLine()) != null) {
      said.add(line);
      Matcher m = PTY.matcher(line);
      if (m.find()) {
        ptys.add(m.group(1));
      }
    }
    if (ptys.size() < 2) {
      process.getOutputStream().close();
      process.destroy();
      if (said.contains("socat: not found")) {
        throw new IOException("socat is needed for pseudo-terminals and is not installed: apt-get install -y socat");
      }
      throw new IOException("socat did not make a pty pair: " + String.join(" | ", said));
    }
    // socat says "PTY is ..." before it makes the link to it: wait (bounded) for both links
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!(Files.exists(device, LinkOption.NOFOLLOW_LINKS) && Files.exists(driver, LinkOption.NOFOLLOW_LINKS))) {
      if (System.nanoTime() > deadline) {
        process.getOutputStream().close();
        process.destroy();
        throw new IOException("socat made the pty pair " + ptys + " but not its links " + device + " and " + driver + " within 5 s");
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for socat's links", e);
      }
    }
    Thread drain = new Thread(() -> drain(err), "socat-" + name);
    drain.setDaemon(true);
    drain.start();
    SocatPty pty = new SocatPty(process, device, driver);
    // a JVM stopped by a signal does not run its callers' finally blocks: socat must not outlive it
    Runtime.getRuntime().addShutdownHook(pty.reaper);
    return pty;
  }

  private static void drain(BufferedReader err) {
    try {
      while (err.readLine() != null) {
        // socat's later chatter is not needed
      }
    } catch (IOException ignored) {
      // socat ended
    }
  }

  public Path devicePath() {
    return devicePath;
  }

  public Path driverPath() {
    return driverPath;
  }

  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the reaper runs anyway
    }
    try {
      process.getOutputStream().close(); // the shell's read ends: it stops socat and waits for it
    } catch (IOException e) {
      // already closed
    }
    try {
      if (!process.waitFor(2, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

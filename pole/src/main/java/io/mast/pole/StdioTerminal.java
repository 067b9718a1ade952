package io.mast.pole;

import io.mast.runtime.console.Terminal;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The console on the terminal {@code mast run} (or {@code mast console}) was started on: the
 * terminal is put in raw mode without echo ({@code stty raw -echo}, the console echoes itself)
 * and restored by {@link #close()} and at exit. Standard input is read on a thread of its own,
 * since a read from it cannot wait with a timeout.
 */
final class StdioTerminal implements Terminal {
  private final InputStream in;
  private final PrintStream out;
  private final BlockingQueue<byte[]> arrived = new ArrayBlockingQueue<>(64);
  private final String saved;
  private volatile boolean ended;

  private StdioTerminal(InputStream in, PrintStream out, String saved) {
    this.in = in;
    this.out = out;
    this.saved = saved;
    Thread reader = new Thread(this::readLoop, "mast-stdin");
    reader.setDaemon(true);
    reader.start();
  }

  /** The process's terminal in raw mode; restored at exit even if {@link #close()} is never called. */
  static StdioTerminal open() throws IOException {
    String saved = stty("-g").strip();
    stty("raw", "-echo");
    StdioTerminal t = new StdioTerminal(System.in, System.out, saved);
    Runtime.getRuntime().addShutdownHook(new Thread(t::restore, "mast-stty"));
    return t;
  }

  private static String stty(String... args) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(java.util.stream.Stream.concat(java.util.stream.Stream.of("stty"),
        java.util.Arrays.stream(args)).toList());
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/tty")));
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String said = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    try {
      if (p.waitFor() != 0) {
        throw new IOException("stty " + String.join(" ", args) + " failed: " + said.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while setting up the terminal");
    }
    return said;
  }

  private void readLoop() {
    byte[] buffer = new byte[256];
    try {
      int n;
      while (!ended && (n = in.read(buffer)) > 0) {
        arrived.put(java.util.Arrays.copyOf(buffer, n));
      }
    } catch (IOException | InterruptedException e) {
      // the terminal went away
    }
    ended = true;
  }

  @Override
  public String via() {
    return "terminal";
  }

  @Override
  public int read(byte[] buffer, long timeoutMillis) throws IOException {
    byte[] got;
    try {
      got = arrived.poll(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
    if (got == null) {
      if (ended && arrived.isEmpty()) {
        throw new IOException("the terminal closed");
      }
      return 0;
    }
    int n = Math.min(got.length, buffer.length);
    System.arraycopy(got, 0, buffer, 0, n);
    return n;
  }

  @Override
  public void write(byte[] bytes) {
    out.write(bytes, 0, bytes.length);
    out.flush();
  }

  private synchronized void restore() {
    try {
      stty(saved);
    } catch (IOException e) {
      // the terminal is gone: nothing to restore
    }
  }

  @Override
  public void close() {
    ended = true;
    restore();
  }
}

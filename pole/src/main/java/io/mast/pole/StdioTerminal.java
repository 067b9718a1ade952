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
 * terminal is put in character mode without echo or signals ({@code stty -icanon -echo -isig
 * -ixon}: the console echoes itself, Ctrl-C reaches it as a key, output processing stays on so
 * log lines still start at the left) and restored by {@link #close()} and at exit. Standard input is read on a thread of its own,
 * since a read from it cannot wait with a timeout. When standard error is the same terminal, it
 * goes through an {@link InputLineKeeper} while the console is here, so a log line never splits
 * the line being typed.
 */
final class StdioTerminal implements Terminal {
  /** Standard input, read by one thread for the life of the process (a restarted runtime's console reads on). */
  private static final BlockingQueue<byte[]> ARRIVED = new ArrayBlockingQueue<>(64);
  private static volatile boolean inputEnded;
  private static Thread reader;

  private final InputLineKeeper keeper;
  private final String saved;
  /** System.err before this terminal took it over; null when it did not (standard error is elsewhere). */
  private final PrintStream errBefore;
  private volatile boolean closed;

  private StdioTerminal(PrintStream out, String saved) {
    this.keeper = new InputLineKeeper(out);
    this.saved = saved;
    this.errBefore = sameTerminal() ? System.err : null;
    if (errBefore != null) {
      errBefore.flush();
      System.setErr(keeper.logStream());
    }
    synchronized (StdioTerminal.class) {
      if (reader == null) {
        reader = new Thread(() -> readLoop(System.in), "mast-stdin");
        reader.setDaemon(true);
        reader.start();
      }
    }
  }

  /** The process's terminal in character mode; restored at exit even if {@link #close()} is never called. */
  static StdioTerminal open() throws IOException {
    String saved = stty("-g").strip();
    stty("-icanon", "-echo", "-isig", "-ixon", "min", "1", "time", "0");
    StdioTerminal t = new StdioTerminal(System.out, saved);
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

  private static void readLoop(InputStream in) {
    byte[] buffer = new byte[256];
    try {
      int n;
      while ((n = in.read(buffer)) > 0) {
        ARRIVED.put(java.util.Arrays.copyOf(buffer, n));
      }
    } catch (IOException | InterruptedException e) {
      // the terminal went away
    }
    inputEnded = true;
  }

  @Override
  public String via() {
    return "terminal";
  }

  @Override
  public int read(byte[] buffer, long timeoutMillis) throws IOException {
    if (closed) {
      throw new IOException("the console left the terminal");
    }
    byte[] got;
    try {
      got = ARRIVED.poll(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
    if (got == null) {
      if (inputEnded && ARRIVED.isEmpty()) {
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
    keeper.console(bytes);
  }

  /** Whether standard error and standard output are the same terminal (not standard error sent to a file or a pipe). */
  private static boolean sameTerminal() {
    try {
      return java.nio.file.Files.isSameFile(java.nio.file.Path.of("/proc/self/fd/1"), java.nio.file.Path.of("/proc/self/fd/2"));
    } catch (IOException | RuntimeException e) {
      return false; // no /proc, or a descriptor that cannot be looked at: leave standard error alone
    }
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
    closed = true;
    if (errBefore != null) {
      System.setErr(errBefore);
      keeper.flushPending();
    }
    restore();
  }
}

package io.mast.pole;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * Where {@code mast run} shows how it is doing, for the three places it runs:
 * <ul>
 *   <li><b>a terminal</b> that takes ANSI sequences ({@code TERM} set and not {@code dumb}): one
 *       status line at the bottom, redrawn in place every second and cut to the terminal's width.
 *       Everything written to {@code System.err} (log lines, messages) goes through this screen,
 *       which clears the status line first and redraws it after the line, so output scrolls above
 *       it without tearing it;
 *   <li><b>a pipe or a file</b>: a plain status line every {@link #PLAIN_EVERY_S} seconds;
 *   <li><b>systemd</b> ({@code INVOCATION_ID} set): nothing; the journal has the log.
 * </ul>
 * The status text comes from a function of the width, so it can drop detail to fit 80 columns.
 * Thread safe: writes and redraws are serialised.
 */
final class StatusScreen implements AutoCloseable {
  /** Seconds between plain status lines when the output is not a terminal. */
  static final int PLAIN_EVERY_S = 60;
  private static final String CLEAR_LINE = "\r\033[K";

  enum Mode { LIVE, PLAIN, OFF }

  private final Mode mode;
  private final PrintStream real;
  private final IntFunction<String> status;
  private final int width;
  private long shownAtNanos;
  private boolean statusShown;
  private boolean atLineStart = true;
  private boolean closed;

  private StatusScreen(Mode mode, PrintStream real, IntFunction<String> status, int width) {
    this.mode = mode;
    this.real = real;
    this.status = status;
    this.width = width;
  }

  /** The screen for this process's standard error; on a terminal it takes over {@code System.err} until closed. */
  static StatusScreen open(IntFunction<String> status) {
    return open(null, status);
  }

  /** As {@link #open(IntFunction)}, in {@code forced} mode when it is not null (OFF while the console has the terminal). */
  static StatusScreen open(Mode forced, IntFunction<String> status) {
    Mode mode = forced != null ? forced : mode(System.getenv("INVOCATION_ID"), System.console() != null, System.getenv("TERM"));
    return open(mode, status, mode == Mode.LIVE ? terminalWidth() : 80);
  }

  static StatusScreen open(Mode mode, IntFunction<String> status, int width) {
    StatusScreen screen = new StatusScreen(mode, System.err, status, width);
    if (mode == Mode.LIVE) {
      System.setErr(new PrintStream(screen.new Guard(), true, StandardCharsets.UTF_8));
    }
    return screen;
  }

  /** LIVE on a terminal that takes ANSI sequences, OFF under systemd, PLAIN otherwise. */
  static Mode mode(String invocationId, boolean terminal, String term) {
    if (invocationId != null && !invocationId.isEmpty()) {
      return Mode.OFF;
    }
    if (terminal && term != null && !term.isEmpty() && !term.equals("dumb")) {
      return Mode.LIVE;
    }
    return Mode.PLAIN;
  }

  /** Columns of the controlling terminal ({@code stty size}), or 80 when it cannot be told. */
  static int terminalWidth() {
    try {
      Process p = new ProcessBuilder("stty", "size").redirectInput(new File("/dev/tty"))
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
      if (p.waitFor(2, TimeUnit.SECONDS) && p.exitValue() == 0) {
        String[] f = out.split("\\s+");
        int cols = f.length == 2 ? Integer.parseInt(f[1]) : 0;
        if (cols >= 20) {
          return cols;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // no terminal to ask
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 80;
  }

  Mode mode() {
    return mode;
  }

  /** Redraws the status line if it is due (every second live, every minute plain). Call often. */
  synchronized void tick() {
    if (closed || mode == Mode.OFF) {
      return;
    }
    long now = System.nanoTime();
    long every = mode == Mode.LIVE ? TimeUnit.SECONDS.toNanos(1) : TimeUnit.SECONDS.toNanos(PLAIN_EVERY_S);
    if (shownAtNanos != 0 && now - shownAtNanos < every) {
      return;
    }
    shownAtNanos = now;
    if (mode == Mode.PLAIN) {
      real.println("mast: " + status.apply(Integer.MAX_VALUE));
      real.flush();
    } else if (atLineStart) {
      draw();
    }
  }

  private void draw() {
    String text = status.apply(width - 1);
    if (text.length() > width - 1) {
      text = text.substring(0, width - 1);
    }
    real.print(CLEAR_LINE + text);
    real.flush();
    statusShown = true;
  }

  /** Takes the status line off the screen and gives {@code System.err} back. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (mode == Mode.LIVE) {
      if (statusShown) {
        real.print(CLEAR_LINE);
        real.flush();
      }
      System.setErr(real);
    }
  }

  /** System.err while live: clears the status line before output, redraws it after each whole line. */
  private final class Guard extends OutputStream {
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      synchronized (StatusScreen.this) {
        if (closed) {
          real.write(b, off, len);
          return;
        }
        pending.write(b, off, len);
      }
    }

    @Override
    public void flush() {
      synchronized (StatusScreen.this) {
        if (pending.size() == 0) {
          return;
        }
        if (statusShown) {
          real.print(CLEAR_LINE);
          statusShown = false;
        }
        byte[] bytes = pending.toByteArray();
        pending.reset();
        real.write(bytes, 0, bytes.length);
        atLineStart = bytes[bytes.length - 1] == '\n';
        if (atLineStart && !closed) {
          draw();
        } else {
          real.flush();
        }
      }
    }
  }
}

package io.mast.pole;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Keeps the console's input line whole on a terminal that log lines go to as well
 * ({@code mast run --console terminal}). The console writes through {@link #console}, which
 * remembers what it drew since its last newline: the prompt, the echo, the editor's cursor moves
 * and redraws. A whole line written to {@link #logStream} meanwhile clears that line, is written,
 * and the console's line is drawn again by replaying those bytes from the left: the technician
 * sees the log line above and the half-typed command where it was, cursor included. A log line
 * waits for its newline; a console line longer than {@link #MAX_LINE} bytes of drawing is not
 * replayed (the log line then starts on a line of its own). Thread safe: every write is
 * serialised on this object.
 */
final class InputLineKeeper {
  /** The most bytes of one console line's drawing kept for a replay. */
  static final int MAX_LINE = 8192;
  private static final byte[] CLEAR_LINE = "\r\033[K".getBytes(StandardCharsets.US_ASCII);

  private final PrintStream terminal;
  /** What the console drew since its last newline. */
  private final ByteArrayOutputStream drawn = new ByteArrayOutputStream();
  /** The console's line grew past MAX_LINE: not replayable until its next newline. */
  private boolean overflowed;
  /** Log bytes waiting for their newline. */
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

  InputLineKeeper(PrintStream terminal) {
    this.terminal = terminal;
  }

  /** The console's output, written to the terminal at once. */
  synchronized void console(byte[] bytes) {
    terminal.write(bytes, 0, bytes.length);
    terminal.flush();
    int newline = lastNewline(bytes, bytes.length);
    if (newline >= 0) {
      drawn.reset();
      overflowed = false;
    }
    if (!overflowed) {
      drawn.write(bytes, newline + 1, bytes.length - newline - 1);
      if (drawn.size() > MAX_LINE) {
        drawn.reset();
        overflowed = true;
      }
    }
  }

  /** A stream for {@code System.err}: its whole lines go above the console's line. */
  PrintStream logStream() {
    return new PrintStream(new OutputStream() {
      @Override
      public void write(int b) {
        log(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        log(b, off, len);
      }
    }, true, StandardCharsets.UTF_8);
  }

  /** Writes what waits for a newline as it is (the console is leaving the terminal). */
  synchronized void flushPending() {
    if (pending.size() > 0) {
      terminal.write(pending.toByteArray(), 0, pending.size());
      terminal.flush();
      pending.reset();
    }
  }

  private synchronized void log(byte[] b, int off, int len) {
    pending.write(b, off, len);
    byte[] all = pending.toByteArray();
    int newline = lastNewline(all, all.length);
    if (newline < 0) {
      return;
    }
    if (drawn.size() > 0) {
      terminal.write(CLEAR_LINE, 0, CLEAR_LINE.length);
    } else if (overflowed) {
      terminal.write('\n');
    }
    terminal.write(all, 0, newline + 1);
    if (drawn.size() > 0) {
      terminal.write(drawn.toByteArray(), 0, drawn.size());
    }
    terminal.flush();
    pending.reset();
    pending.write(all, newline + 1, all.length - newline - 1);
  }

  private static int lastNewline(byte[] bytes, int length) {
    for (int i = length - 1; i >= 0; i--) {
      if (bytes[i] == '\n') {
        return i;
      }
    }
    return -1;
  }
}

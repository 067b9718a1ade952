package io.mast.drivers.internal;

import io.mast.drivers.SerialLink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Command and answer on a modem's AT port: writes {@code AT...\r}, collects the lines up to the
 * final result code ({@code OK}, {@code ERROR}, {@code +CME ERROR: n}) or the timeout. Lines are
 * split at CR or LF; the command's echo and empty lines are skipped; a line longer than
 * {@link #MAX_LINE} characters is cut off there and counted. Not thread safe.
 */
final class AtPort {
  static final int MAX_LINE = 512;

  private final StringBuilder line = new StringBuilder();
  private final byte[] buffer = new byte[256];
  private final List<String> pending = new ArrayList<>();
  private long overlongLines;

  /** The lines of one answer; {@code finalCode} is empty when the modem said nothing final in time. */
  record Answer(List<String> lines, String finalCode) {
    boolean ok() {
      return finalCode.equals("OK");
    }
  }

  Answer command(SerialLink link, String command, long timeoutMillis) throws IOException {
    link.discardInput();
    line.setLength(0);
    pending.clear();
    link.write((command + "\r").getBytes(StandardCharsets.US_ASCII));
    List<String> lines = new ArrayList<>();
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    while (true) {
      while (!pending.isEmpty()) {
        String l = pending.remove(0);
        if (l.equals("OK") || l.equals("ERROR") || l.startsWith("+CME ERROR:")) {
          return new Answer(lines, l);
        }
        if (!l.equals(command)) {
          lines.add(l);
        }
      }
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        return new Answer(lines, "");
      }
      int n = link.read(buffer, 0, buffer.length, left);
      for (int i = 0; i < n; i++) {
        accept((char) (buffer[i] & 0xFF));
      }
    }
  }

  private void accept(char c) {
    if (c == '\r' || c == '\n') {
      if (line.length() > 0) {
        pending.add(line.toString().trim());
        line.setLength(0);
      }
    } else if (line.length() < MAX_LINE) {
      line.append(c);
    } else if (line.length() == MAX_LINE) {
      overlongLines++;
      line.append('\u2026');
    }
  }

  long overlongLines() {
    return overlongLines;
  }
}

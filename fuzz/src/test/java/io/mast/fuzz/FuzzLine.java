package io.mast.fuzz;

import com.pi4j.context.Context;
import io.mast.drivers.Buses;
import io.mast.drivers.SerialLink;
import io.mast.drivers.SerialSettings;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * A serial line for the driver targets: each request the pole writes puts the next of the
 * scripted answers on the line at once, and nothing more ever comes, so a read that finds too
 * little returns what there is without waiting. It is also the bus the driver opens it from.
 */
final class FuzzLine implements SerialLink, Buses {
  private final Deque<byte[]> answers;
  private byte[] line = new byte[0];
  private int at;

  FuzzLine(List<byte[]> answers) {
    this.answers = new ArrayDeque<>(answers);
  }

  @Override
  public String name() {
    return "fuzz:line";
  }

  @Override
  public void write(byte[] bytes) {
    byte[] next = answers.poll();
    if (next != null) {
      byte[] unread = Arrays.copyOfRange(line, at, line.length);
      line = Arrays.copyOf(unread, unread.length + next.length);
      System.arraycopy(next, 0, line, unread.length, next.length);
      at = 0;
    }
  }

  @Override
  public int read(byte[] buffer, int offset, int length, long timeoutMillis) {
    int n = Math.min(length, available());
    System.arraycopy(line, at, buffer, offset, n);
    at += n;
    return n;
  }

  @Override
  public int available() {
    return line.length - at;
  }

  @Override
  public int readFully(byte[] buffer, int offset, int length, long timeoutMillis) {
    return read(buffer, offset, length, timeoutMillis); // nothing more will come: the timeout, at once
  }

  @Override
  public void close() {}

  @Override
  public SerialLink openSerial(String port, SerialSettings settings) {
    return this;
  }

  @Override
  public Context gpio() {
    throw new UnsupportedOperationException("no GPIO on a fuzzed line");
  }
}

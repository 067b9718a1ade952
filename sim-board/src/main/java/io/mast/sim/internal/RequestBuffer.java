package io.mast.sim.internal;

/**
 * Bytes a simulated device has received and not yet understood, capped at 1 KiB (older bytes are
 * dropped first, as a device's own small buffer would). Used by one device thread.
 */
public final class RequestBuffer {
  private static final int CAP = 1024;
  private final byte[] bytes = new byte[CAP];
  private int size;

  public void append(byte[] chunk, int length) {
    for (int i = 0; i < length; i++) {
      if (size == CAP) {
        drop(1);
      }
      bytes[size++] = chunk[i];
    }
  }

  public int size() {
    return size;
  }

  public int at(int index) {
    return bytes[index] & 0xFF;
  }

  public byte[] copy(int length) {
    return java.util.Arrays.copyOf(bytes, length);
  }

  public void drop(int count) {
    System.arraycopy(bytes, count, bytes, 0, size - count);
    size -= count;
  }

  public void clear() {
    size = 0;
  }
}

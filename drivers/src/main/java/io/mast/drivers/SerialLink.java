package io.mast.drivers;

import java.io.IOException;

/**
 * A byte stream to one serial device: a UART, an RS-485 adapter, a pseudo-terminal, or an
 * in-process link to a simulator. This is the seam between drivers and serial hardware.
 *
 * <p>Reads wait at most the given timeout and return what has arrived (0 on timeout); an
 * {@link IOException} means the link itself is gone (port removed, closed), which drivers report
 * as a lost device. One reader and one writer thread at a time.
 */
public interface SerialLink extends AutoCloseable {

  /** The port's name for messages: {@code /dev/ttyUSB0}, {@code sim:rs485}. */
  String name();

  /** Writes all of {@code bytes}. */
  void write(byte[] bytes) throws IOException;

  /**
   * Reads up to {@code length} bytes into {@code buffer}, waiting at most {@code timeoutMillis} for
   * the first; returns the number read, 0 when nothing arrived in time.
   */
  int read(byte[] buffer, int offset, int length, long timeoutMillis) throws IOException;

  /** Bytes that can be read now without waiting. */
  int available() throws IOException;

  /** Discards whatever has been received and not read (stale answers before a new request). */
  default void discardInput() throws IOException {
    byte[] scratch = new byte[256];
    while (available() > 0 && read(scratch, 0, scratch.length, 0) > 0) {
      // keep discarding
    }
  }

  /** Reads exactly {@code length} bytes unless {@code timeoutMillis} passes first; returns how many arrived. */
  default int readFully(byte[] buffer, int offset, int length, long timeoutMillis) throws IOException {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    int got = 0;
    while (got < length) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        break;
      }
      got += read(buffer, offset + got, length - got, left);
    }
    return got;
  }

  @Override
  void close();
}

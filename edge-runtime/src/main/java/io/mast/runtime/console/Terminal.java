package io.mast.runtime.console;

import java.io.IOException;

/**
 * A byte stream to a person: the board's serial console, a Unix socket client of
 * {@code mast console}, the terminal {@code mast run} was started on. One reader and one writer
 * thread (the session's).
 */
public interface Terminal extends AutoCloseable {
  /** Where the person is, for the prompt's audit: {@code serial:/dev/ttyS0}, {@code socket}, {@code terminal}. */
  String via();

  /**
   * Reads what arrived into {@code buffer}, waiting at most {@code timeoutMillis}; returns the
   * count, 0 when nothing came in time.
   *
   * @throws IOException when the line is gone (cable pulled, socket closed): the session ends
   */
  int read(byte[] buffer, long timeoutMillis) throws IOException;

  void write(byte[] bytes) throws IOException;

  @Override
  void close();
}

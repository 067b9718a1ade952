package io.mast.runtime.console;

import io.mast.drivers.SerialLink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The console on a serial line (the board's UART, a USB adapter, a pseudo-terminal). */
final class SerialTerminal implements Terminal {
  /**
   * How long a port the console leaves stays open after its last words. Closing a tty discards
   * output its far end has not read yet (jSerialComm flushes both queues at close, and a
   * pseudo-terminal's far end is a process that may not have run yet): without the wait the
   * answer to the very {@code config apply} that moved the console could be lost.
   */
  static final Duration LINGER = Duration.ofSeconds(1);

  private final SerialLink link;
  private final java.util.function.BooleanSupplier stillWanted;

  /** {@code stillWanted} false (the config moved the console elsewhere) ends the session at its next read. */
  SerialTerminal(SerialLink link, java.util.function.BooleanSupplier stillWanted) {
    this.link = link;
    this.stillWanted = stillWanted;
  }

  @Override
  public String via() {
    return "serial:" + link.name();
  }

  @Override
  public int read(byte[] buffer, long timeoutMillis) throws IOException {
    if (!stillWanted.getAsBoolean()) {
      link.write("\r\nthe console moved to another port or speed (console.serial_port, console.baud); this port is closed\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      linger();
      throw new IOException("the console moved to another port or speed (console.serial_port, console.baud)");
    }
    return link.read(buffer, 0, buffer.length, timeoutMillis);
  }

  /** Gives what was written the time to leave before the port is closed; reads (and drops) what arrives meanwhile. */
  private void linger() throws IOException {
    long end = System.nanoTime() + LINGER.toNanos();
    byte[] sink = new byte[64];
    for (long left = LINGER.toMillis(); left > 0; left = (end - System.nanoTime()) / 1_000_000) {
      link.read(sink, 0, sink.length, left);
    }
  }

  @Override
  public void write(byte[] bytes) throws IOException {
    link.write(bytes);
  }

  @Override
  public void close() {
    link.close();
  }
}

package io.mast.runtime.console;

import io.mast.drivers.SerialLink;
import java.io.IOException;

/** The console on a serial line (the board's UART, a USB adapter, a pseudo-terminal). */
final class SerialTerminal implements Terminal {
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
      throw new IOException("the console moved to another port or speed (console.serial_port, console.baud)");
    }
    return link.read(buffer, 0, buffer.length, timeoutMillis);
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

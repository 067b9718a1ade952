package io.mast.runtime.console;

import io.mast.drivers.SerialLink;
import java.io.IOException;

/** The console on a serial line (the board's UART, a USB adapter, a pseudo-terminal). */
final class SerialTerminal implements Terminal {
  private final SerialLink link;

  SerialTerminal(SerialLink link) {
    this.link = link;
  }

  @Override
  public String via() {
    return "serial:" + link.name();
  }

  @Override
  public int read(byte[] buffer, long timeoutMillis) throws IOException {
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

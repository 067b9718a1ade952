package io.mast.drivers.internal;

import com.fazecast.jSerialComm.SerialPort;
import io.mast.drivers.SerialLink;
import io.mast.drivers.SerialSettings;
import java.io.IOException;

/**
 * A {@link SerialLink} over a tty through jSerialComm: UARTs, USB RS-485 adapters and
 * pseudo-terminals alike. Reads use jSerialComm's semi-blocking mode (return as soon as one byte
 * is there); the read timeout is only re-applied to the port when it changes. A port that vanished
 * (USB adapter pulled) shows as a read or write of -1, which becomes an {@link IOException}.
 */
public final class JSerialCommLink implements SerialLink {
  private final SerialPort port;
  private final String name;
  private int appliedTimeout = -1;

  private JSerialCommLink(SerialPort port, String name) {
    this.port = port;
    this.name = name;
  }

  /** Opens {@code path} with {@code settings}; the message names the port and jSerialComm's error. */
  public static JSerialCommLink open(String path, SerialSettings settings) throws IOException {
    SerialPort port;
    try {
      port = SerialPort.getCommPort(path);
    } catch (RuntimeException e) {
      throw new IOException("serial port " + path + " does not exist: " + e.getMessage(), e);
    }
    port.setComPortParameters(settings.baud(), 8, SerialPort.ONE_STOP_BIT,
        settings.parity() == SerialSettings.Parity.EVEN ? SerialPort.EVEN_PARITY : SerialPort.NO_PARITY);
    port.setFlowControl(SerialPort.FLOW_CONTROL_DISABLED);
    if (!port.openPort() && !reopenedWithParity(port, settings)) {
      throw new IOException("cannot open serial port " + path + " (error " + port.getLastErrorCode()
          + " at line " + port.getLastErrorLocation() + "): it is missing, busy or not permitted");
    }
    return new JSerialCommLink(port, path);
  }

  /**
   * jSerialComm 2.11.4 opens a pseudo-terminal with even parity once, and every later open of it
   * fails with EINVAL (error 22): the port keeps the parity flag and the open's own settings
   * call is refused. Opening without parity and then setting it on the open port works, so a
   * meter bus (8E1) on a pty can be opened again, by the runtime after a fault or by a second
   * {@code mast probe}. Real UARTs take the first path.
   */
  private static boolean reopenedWithParity(SerialPort port, SerialSettings settings) {
    if (settings.parity() != SerialSettings.Parity.EVEN || port.getLastErrorCode() != 22) {
      return false;
    }
    port.setComPortParameters(settings.baud(), 8, SerialPort.ONE_STOP_BIT, SerialPort.NO_PARITY);
    if (!port.openPort()) {
      return false;
    }
    if (!port.setComPortParameters(settings.baud(), 8, SerialPort.ONE_STOP_BIT, SerialPort.EVEN_PARITY)) {
      port.closePort();
      return false;
    }
    return true;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void write(byte[] bytes) throws IOException {
    int done = 0;
    while (done < bytes.length) {
      int n = port.writeBytes(bytes, bytes.length - done, done);
      if (n < 0) {
        throw new IOException("serial port " + name + " failed while writing (error " + port.getLastErrorCode() + ")");
      }
      done += n;
    }
  }

  @Override
  public int read(byte[] buffer, int offset, int length, long timeoutMillis) throws IOException {
    int timeout = (int) Math.max(0, Math.min(Integer.MAX_VALUE, timeoutMillis));
    if (timeout == 0) {
      int ready = available();
      if (ready == 0) {
        return 0;
      }
      length = Math.min(length, ready);
    }
    if (timeout != appliedTimeout) {
      port.setComPortTimeouts(SerialPort.TIMEOUT_READ_SEMI_BLOCKING, Math.max(1, timeout), 0);
      appliedTimeout = timeout;
    }
    int n = port.readBytes(buffer, length, offset);
    if (n < 0) {
      throw new IOException("serial port " + name + " failed while reading (error " + port.getLastErrorCode() + ")");
    }
    return n;
  }

  @Override
  public int available() throws IOException {
    int n = port.bytesAvailable();
    if (n < 0) {
      throw new IOException("serial port " + name + " is no longer available (error " + port.getLastErrorCode() + ")");
    }
    return n;
  }

  @Override
  public void close() {
    port.closePort();
  }

  @Override
  public String toString() {
    return name;
  }
}

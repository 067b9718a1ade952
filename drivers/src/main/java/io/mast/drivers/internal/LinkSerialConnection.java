package io.mast.drivers.internal;

import com.ghgande.j2mod.modbus.io.AbstractModbusTransport;
import com.ghgande.j2mod.modbus.io.ModbusRTUTransport;
import com.ghgande.j2mod.modbus.net.AbstractSerialConnection;
import io.mast.drivers.SerialLink;
import io.mast.drivers.SerialSettings;
import java.io.IOException;
import java.util.Set;

/**
 * Lets j2mod's RTU transport run over any {@link SerialLink} (a jSerialComm tty or an in-process
 * link to a simulator) instead of opening the port itself. j2mod wraps every failure in a
 * {@code ModbusIOException} with a message; this adapter records what the link saw, so the driver
 * can tell a silent slave ({@link #timeouts()}) from a port that is gone ({@link #failure()}).
 * Used by the Modbus driver's thread only.
 */
final class LinkSerialConnection extends AbstractSerialConnection {
  private final SerialLink link;
  private final SerialSettings settings;
  private final ModbusRTUTransport transport = new ModbusRTUTransport();
  private int timeoutMillis = 500;
  private long timeouts;
  private IOException failure;

  LinkSerialConnection(SerialLink link, SerialSettings settings) throws IOException {
    this.link = link;
    this.settings = settings;
    transport.setCommPort(this);
  }

  ModbusRTUTransport transport() {
    return transport;
  }

  /** Reads that ended at the timeout short of what j2mod asked for. */
  long timeouts() {
    return timeouts;
  }

  /** The link's own failure, if it had one: the device is lost, not merely silent. */
  IOException failure() {
    return failure;
  }

  @Override
  public void open() {
    // The link is open already; j2mod never opens it.
  }

  @Override
  public AbstractModbusTransport getModbusTransport() {
    return transport;
  }

  @Override
  public int readBytes(byte[] buffer, int count) {
    try {
      int n = link.readFully(buffer, 0, count, timeoutMillis);
      if (n < count) {
        timeouts++;
      }
      return n;
    } catch (IOException e) {
      failure = e;
      return -1;
    }
  }

  @Override
  public int writeBytes(byte[] buffer, int count) {
    try {
      byte[] out = new byte[count];
      System.arraycopy(buffer, 0, out, 0, count);
      link.write(out);
      return count;
    } catch (IOException e) {
      failure = e;
      return -1;
    }
  }

  @Override
  public int bytesAvailable() {
    try {
      return link.available();
    } catch (IOException e) {
      failure = e;
      return 0;
    }
  }

  @Override
  public void close() {
    // The driver owns the link and closes it.
  }

  @Override
  public int getBaudRate() {
    return settings.baud();
  }

  @Override
  public int getNumDataBits() {
    return 8;
  }

  @Override
  public int getNumStopBits() {
    return ONE_STOP_BIT;
  }

  @Override
  public int getParity() {
    return settings.parity() == SerialSettings.Parity.EVEN ? EVEN_PARITY : NO_PARITY;
  }

  @Override
  public String getPortName() {
    return link.name();
  }

  @Override
  public String getDescriptivePortName() {
    return link.name();
  }

  @Override
  public void setComPortTimeouts(int newTimeoutMode, int newReadTimeout, int newWriteTimeout) {
    timeoutMillis = newReadTimeout;
  }

  @Override
  public boolean isOpen() {
    return true;
  }

  @Override
  public int getTimeout() {
    return timeoutMillis;
  }

  @Override
  public void setTimeout(int timeout) {
    timeoutMillis = timeout;
  }

  @Override
  public Set<String> getCommPorts() {
    return Set.of(link.name());
  }
}

package io.mast.sim;

import io.mast.drivers.SerialLink;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An in-process serial line between a device simulator and a driver: two {@link BytePipe}s, one
 * per direction. The device end is fixed; the driver end is opened like a port, one holder at a
 * time, and can be "unplugged" so that every operation on it fails as a vanished USB adapter
 * would. Fast and deterministic: the transport for unit tests.
 */
public final class InProcessLine {
  /** Per direction, as the Linux tty layer's receive buffer (N_TTY_BUF_SIZE). */
  private static final int BUFFER = 4096;

  private final String name;
  private final BytePipe toDevice = new BytePipe(BUFFER);
  private final BytePipe toDriver = new BytePipe(BUFFER);
  private final AtomicBoolean driverOpen = new AtomicBoolean();
  private volatile boolean unplugged;

  public InProcessLine(String name) {
    this.name = name;
  }

  /** The simulator's end; open for the life of the line. */
  public SerialLink deviceEnd() {
    return new End(name + " (device)", toDriver, toDevice, null);
  }

  /** Opens the driver's end; fails when it is held already or the line is unplugged. */
  public SerialLink openDriverEnd() throws IOException {
    if (unplugged) {
      throw new IOException("serial port " + name + " does not exist (unplugged)");
    }
    if (!driverOpen.compareAndSet(false, true)) {
      throw new IOException("serial port " + name + " is busy: another driver holds it");
    }
    return new End(name, toDevice, toDriver, driverOpen);
  }

  /** Makes the driver's end fail, or work again. */
  public void unplug(boolean value) {
    unplugged = value;
  }

  /** Bytes the driver sent that the device had no room for, and the other way round. */
  public long overruns() {
    return toDevice.overruns() + toDriver.overruns();
  }

  private final class End implements SerialLink {
    private final String endName;
    private final BytePipe out;
    private final BytePipe in;
    private final AtomicBoolean openFlag;
    private volatile boolean closed;

    End(String endName, BytePipe out, BytePipe in, AtomicBoolean openFlag) {
      this.endName = endName;
      this.out = out;
      this.in = in;
      this.openFlag = openFlag;
    }

    @Override
    public String name() {
      return endName;
    }

    private void check() throws IOException {
      if (closed) {
        throw new IOException("serial port " + endName + " is closed");
      }
      if (openFlag != null && unplugged) {
        throw new IOException("serial port " + endName + " vanished (unplugged)");
      }
    }

    @Override
    public void write(byte[] bytes) throws IOException {
      check();
      out.write(bytes, 0, bytes.length);
    }

    @Override
    public int read(byte[] buffer, int offset, int length, long timeoutMillis) throws IOException {
      check();
      try {
        return in.read(buffer, offset, length, timeoutMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("read on " + endName + " interrupted");
      }
    }

    @Override
    public int available() throws IOException {
      check();
      return in.available();
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        if (openFlag != null) {
          openFlag.set(false);
        }
      }
    }
  }
}

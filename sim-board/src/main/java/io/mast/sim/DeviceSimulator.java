package io.mast.sim;

import io.mast.drivers.SerialLink;
import java.io.IOException;
import org.tinylog.Logger;

/**
 * A simulated serial device: a thread that reads what the driver sends on the device end of a
 * line, lets the device decide its answers ({@link #receive}), and sends them through its
 * {@link Faults}. Subclasses keep the device's values and speak its byte protocol; they are
 * thread-safe because tests and replay set values while the device thread answers.
 */
public abstract class DeviceSimulator implements AutoCloseable {
  private final String name;
  private final Faults faults = new Faults();
  private volatile SerialLink link;
  private Thread thread;
  private volatile boolean running;
  private long requests;

  protected DeviceSimulator(String name) {
    this.name = name;
  }

  public final String name() {
    return name;
  }

  public final Faults faults() {
    return faults;
  }

  /** Requests this device has understood. */
  public final synchronized long requests() {
    return requests;
  }

  protected final synchronized void countRequest() {
    requests++;
  }

  /** Starts answering on {@code deviceEnd}. */
  public final synchronized void start(SerialLink deviceEnd) {
    link = deviceEnd;
    running = true;
    thread = new Thread(this::loop, "sim-" + name);
    thread.setDaemon(true);
    thread.start();
    onStart();
  }

  /**
   * Starts answering without a thread of its own: the driver's end returned here hands each write
   * to {@link #receive} on the writer's thread, and the answers wait in a pipe for its reads.
   * For many simulated poles in one JVM (a fleet), where a thread per device would be the largest
   * cost; a device that talks unasked ({@link #onStart}, {@link #idle}) needs {@link #start}.
   */
  public final synchronized SerialLink startInline(String port) {
    BytePipe toDriver = new BytePipe(512);
    link = new PipeEnd(name + " (device)", toDriver);
    running = true;
    return new SerialLink() {
      private volatile boolean closed;

      @Override
      public String name() {
        return port;
      }

      @Override
      public void write(byte[] bytes) throws IOException {
        if (closed) {
          throw new IOException("serial port " + port + " is closed");
        }
        synchronized (DeviceSimulator.this) {
          receive(bytes, bytes.length);
        }
      }

      @Override
      public int read(byte[] buffer, int offset, int length, long timeoutMillis) throws IOException {
        if (closed) {
          throw new IOException("serial port " + port + " is closed");
        }
        try {
          return toDriver.read(buffer, offset, length, timeoutMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("read on " + port + " interrupted");
        }
      }

      @Override
      public int available() {
        return toDriver.available();
      }

      @Override
      public void close() {
        closed = true;
      }
    };
  }

  /** The device's end of an inline link: what it sends goes into the driver's pipe. */
  private record PipeEnd(String name, BytePipe out) implements SerialLink {
    @Override
    public void write(byte[] bytes) {
      out.write(bytes, 0, bytes.length);
    }

    @Override
    public int read(byte[] buffer, int offset, int length, long timeoutMillis) {
      return 0;
    }

    @Override
    public int available() {
      return 0;
    }

    @Override
    public void close() {}
  }

  /** Called once the device thread runs; devices that talk unasked start here. */
  protected void onStart() {}

  private void loop() {
    byte[] buffer = new byte[512];
    while (running) {
      try {
        int n = link.read(buffer, 0, buffer.length, 100);
        if (n > 0) {
          receive(buffer, n);
        } else {
          idle();
        }
      } catch (IOException e) {
        if (running) {
          Logger.warn("simulated {} stopped: {}", name, e.getMessage());
        }
        return;
      }
    }
  }

  /** Bytes from the driver, in whatever chunks they arrived. */
  protected abstract void receive(byte[] bytes, int length) throws IOException;

  /** Called when nothing arrived for 100 ms. */
  protected void idle() throws IOException {}

  /** Sends {@code answer} as the fault knobs say. */
  protected final void send(byte[] answer) throws IOException {
    byte[] out = faults.apply(answer);
    if (out == null) {
      return;
    }
    long slow = faults.slowMillis();
    if (slow <= 0) {
      link.write(out);
      return;
    }
    for (byte b : out) {
      link.write(new byte[] {b});
      try {
        Thread.sleep(slow);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * Sends the answers of every device on a shared bus that a request reached, counting the
   * request once: one answer as it is, several at once as the bus carries them ({@link #wiredAnd}).
   */
  protected final void sendAll(java.util.List<byte[]> answers) throws IOException {
    if (answers.isEmpty()) {
      return;
    }
    countRequest();
    send(answers.size() == 1 ? answers.get(0) : wiredAnd(answers));
  }

  /**
   * What a shared bus carries when several devices answer at once: the AND of their bytes (on
   * M-Bus and RS-485 alike a driven 0 wins over an idle 1), up to the shortest answer.
   */
  static byte[] wiredAnd(java.util.List<byte[]> answers) {
    byte[] out = answers.get(0).clone();
    for (byte[] a : answers.subList(1, answers.size())) {
      for (int i = 0; i < Math.min(out.length, a.length); i++) {
        out[i] &= a[i];
      }
    }
    return out;
  }

  @Override
  public void close() {
    Thread t;
    synchronized (this) {
      running = false;
      t = thread;
    }
    if (t != null) {
      try {
        t.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (link != null) {
      link.close();
    }
  }
}

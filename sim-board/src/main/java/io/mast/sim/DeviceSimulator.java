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

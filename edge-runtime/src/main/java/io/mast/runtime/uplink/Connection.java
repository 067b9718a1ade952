package io.mast.runtime.uplink;

import java.io.IOException;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * The connection in use, as the uplink thread sees it: the Paho session, its number (callbacks
 * of an earlier connection carry an older one and are ignored), whether it is known lost, the
 * latest failure, and the events Paho's callbacks queue for the uplink thread.
 *
 * <p>The uplink thread alone opens, loses and closes it; callbacks only {@link #report} events.
 */
final class Connection {
  private final Queue<UplinkEvent> events = new ConcurrentLinkedQueue<>();
  private final Runnable wake;
  private PahoSession session;
  private volatile long number;
  private boolean lost;
  private volatile String lastError = "";

  /** @param wake makes the uplink thread turn; any thread, never blocks */
  Connection(Runnable wake) {
    this.wake = wake;
  }

  /** The session, or null between connections. */
  PahoSession session() {
    return session;
  }

  /** The number of the latest connection attempt. */
  long number() {
    return number;
  }

  /** A session is there and not known lost: messages may go. */
  boolean open() {
    return session != null && !lost;
  }

  boolean lost() {
    return lost;
  }

  /** The session is dead for {@code why}; the uplink thread drops it at its next turn. */
  void lose(String why) {
    lastError = why;
    lost = true;
  }

  String lastError() {
    return lastError;
  }

  void lastError(String why) {
    lastError = why;
  }

  /** Numbers a new connection attempt; returns its number. */
  long attempt() {
    return ++number;
  }

  void opened(PahoSession s) {
    session = s;
    lost = false;
  }

  /** Takes the session away (null if none), to be closed by the caller. */
  PahoSession take() {
    PahoSession s = session;
    session = null;
    lost = false;
    return s;
  }

  /** From a callback: queues the event (none if null) and wakes the uplink thread. Any thread. */
  void report(UplinkEvent e) {
    if (e != null) {
      events.add(e);
    }
    wake.run();
  }

  /** The next queued event, or null. */
  UplinkEvent poll() {
    return events.poll();
  }

  /** A new connection: a loss reported for an earlier one no longer matters. */
  void forgetLosses() {
    events.removeIf(e -> e instanceof UplinkEvent.Lost);
  }

  /** Publishes on the session; {@code done} runs on Paho's thread with the failure, or null. */
  void publish(String topic, byte[] payload, int qos, boolean retained, Consumer<Throwable> done) throws IOException {
    session.publish(topic, payload, qos, retained, done);
  }
}

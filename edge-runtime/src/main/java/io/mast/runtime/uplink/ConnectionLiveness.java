package io.mast.runtime.uplink;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The liveness rule, what Paho cannot see: a frame without PUBACK for the ack timeout, a packet
 * from the broker left half sent as long, or Paho's receiving thread dead each mean nothing more
 * will be acknowledged on this connection, however long the keepalive. And the uplink loop's own
 * liveness, for a supervisor's watchdog: the loop turns at least every {@link #MAX_IDLE_TURN}.
 */
final class ConnectionLiveness {
  /** The longest the loop waits without turning. */
  static final long MAX_IDLE_TURN = TimeUnit.SECONDS.toNanos(30);

  private final Duration ackTimeout;
  /** How often the rule is checked while connected. */
  private final long tick;
  /** System.nanoTime() at the last turn of the uplink loop. */
  private volatile long lastTurn = System.nanoTime();

  ConnectionLiveness(Duration ackTimeout) {
    this.ackTimeout = ackTimeout;
    this.tick = Math.max(TimeUnit.MILLISECONDS.toNanos(100), Math.min(TimeUnit.SECONDS.toNanos(5), ackTimeout.toNanos() / 4));
  }

  /** How often to check the rule while connected, in nanoseconds. */
  long tick() {
    return tick;
  }

  /** The uplink loop turns now. */
  void turned() {
    lastTurn = System.nanoTime();
  }

  /** Why the connection is dead though Paho has not reported it lost, or null. */
  String dead(PahoSession session, Optional<InFlightWindow.Frame> oldestUnacked) {
    long bound = ackTimeout.toNanos();
    String receiver = session.deadReceiver(bound);
    if (receiver != null) {
      return receiver;
    }
    if (oldestUnacked.isPresent()) {
      long waited = System.nanoTime() - oldestUnacked.get().sentNanos();
      if (waited > bound) {
        return "no PUBACK for frame " + oldestUnacked.get().seq() + " in " + waited / 1_000_000 + " ms (the ack timeout is "
            + ackTimeout.toSeconds() + " s)";
      }
    }
    return null;
  }

  /** Why the loop is not turning, or null when it is. */
  String stuck(Duration limit) {
    long since = System.nanoTime() - lastTurn;
    return since > limit.toNanos() ? "the uplink loop has not turned for " + TimeUnit.NANOSECONDS.toSeconds(since) + " s" : null;
  }
}

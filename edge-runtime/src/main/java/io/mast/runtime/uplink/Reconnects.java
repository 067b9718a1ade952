package io.mast.runtime.uplink;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * When the uplink tries to connect again, and what it says about it. After a failed attempt the
 * next one is due a {@link Backoff} delay later, and not before, however often the uplink thread
 * is woken meanwhile: the delay it logs is the delay it waits. Failures are logged as one line
 * each, with the reason and no stack trace, and at most one line a {@link #QUIET} for a reason
 * already said, with the count of the attempts not logged: a broker that stays away for a week
 * writes a few hundred lines, not megabytes.
 *
 * <p>A connection lost before it was up for {@link #STABLE} counts as a failed attempt: the
 * backoff goes on growing, so a broker that accepts and then drops every connection (or sends
 * bytes the uplink refuses) is not hammered. One lost after that starts the backoff over, still
 * with a random delay, so the poles of a cell that comes back do not return together.
 *
 * <p>Not thread safe: the uplink thread owns it.
 */
final class Reconnects {
  /** The least time between two lines about the same failure. */
  static final Duration QUIET = Duration.ofMinutes(1);
  /** How long a connection must last for the backoff to start over when it is lost. */
  static final Duration STABLE = Duration.ofMinutes(1);

  private final Backoff backoff;
  private final LongSupplier nanos;
  private final Consumer<String> log;
  private volatile long dueAt;
  private volatile boolean waiting;
  private String lastSaid = "";
  private long saidAt;
  private int unsaid;
  private long connectedAt;

  Reconnects(Backoff backoff, LongSupplier nanos, Consumer<String> log) {
    this.backoff = backoff;
    this.nanos = nanos;
    this.log = log;
  }

  /** Whether an attempt may be made now. */
  boolean due() {
    return !waiting || nanos.getAsLong() - dueAt >= 0;
  }

  /** Nanoseconds until the next attempt is due; 0 if it is. */
  long remainingNanos() {
    return waiting ? Math.max(0, dueAt - nanos.getAsLong()) : 0;
  }

  /** An attempt failed for {@code reason}: the next one is due a backoff delay from now; returns it. */
  Duration failed(String brokers, String reason) {
    return waitAfter("connecting to " + brokers + " failed: ", reason);
  }

  /**
   * The connection to {@code broker} was lost (or given up as dead) for {@code reason}: the next
   * attempt is due a backoff delay from now, started over if the connection was stable; returns it.
   */
  Duration lost(String broker, String reason) {
    if (nanos.getAsLong() - connectedAt >= STABLE.toNanos()) {
      backoff.reset();
    }
    return waitAfter("connection to " + broker + " lost: ", reason);
  }

  private Duration waitAfter(String what, String reason) {
    Duration delay = backoff.next();
    long now = nanos.getAsLong();
    dueAt = now + delay.toNanos();
    waiting = true;
    boolean repeat = reason.equals(lastSaid) && now - saidAt < QUIET.toNanos();
    if (repeat) {
      unsaid++;
    } else {
      log.accept("uplink: " + what + reason + "; next attempt in " + delay.toMillis() + " ms"
          + (unsaid > 0 ? " (" + unsaid + " more failed attempt" + (unsaid == 1 ? "" : "s") + " since the last line)" : ""));
      lastSaid = reason;
      saidAt = now;
      unsaid = 0;
    }
    return delay;
  }

  /** An attempt succeeded; the next failure is said at once. */
  void connected() {
    waiting = false;
    connectedAt = nanos.getAsLong();
    lastSaid = "";
    unsaid = 0;
  }
}

package io.mast.runtime.uplink;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How the uplink's loop turns without a thread of its own: a turn runs on a serial executor (never
 * two at once, each seeing what the one before did) when woken, or when the wait the last turn
 * asked for has passed, whichever first. A wake while a turn runs queues the next one, so nothing
 * is missed; wakes while one is queued are one. Of the timed wake-ups only the earliest pending
 * is kept scheduled, so a busy link does not pile them up.
 */
final class Turns {
  private final Executor serial;
  private final ScheduledExecutorService ticks;
  private final Runnable turn;
  private final AtomicBoolean queued = new AtomicBoolean();
  /** A timed wake-up is scheduled for {@code wakeAt} (System.nanoTime()). Guarded by this. */
  private boolean timed;
  private long wakeAt;

  /** @param turn one turn of the loop; it asks for the next with {@link #within} or {@link #wake} */
  Turns(Executor serial, ScheduledExecutorService ticks, Runnable turn) {
    this.serial = serial;
    this.ticks = ticks;
    this.turn = turn;
  }

  /** A turn soon. Any thread, never blocks; false when the executor takes no more work. */
  boolean wake() {
    if (!queued.compareAndSet(false, true)) {
      return true;
    }
    try {
      serial.execute(this::run);
      return true;
    } catch (RejectedExecutionException e) {
      queued.set(false);
      return false;
    }
  }

  private void run() {
    queued.set(false);
    turn.run();
  }

  /** The next turn at the latest {@code nanos} from now (at once if not positive). */
  void within(long nanos) {
    if (nanos <= 0) {
      wake();
      return;
    }
    long at = System.nanoTime() + nanos;
    synchronized (this) {
      if (timed && wakeAt - at <= 0) {
        return; // an earlier one is scheduled already
      }
      timed = true;
      wakeAt = at;
    }
    try {
      ticks.schedule(() -> {
        synchronized (this) {
          if (timed && wakeAt == at) {
            timed = false;
          }
        }
        wake();
      }, nanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      synchronized (this) {
        timed = false; // the ticks have stopped: the JVM's poles are stopping
      }
    }
  }
}

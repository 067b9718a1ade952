package io.mast.runtime.uplink;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
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
 * is kept scheduled, so a busy link does not pile them up. Once stopping, the next turn is the
 * last one, and no turn runs after it.
 */
final class Turns {
  private final Executor serial;
  private final ScheduledExecutorService ticks;
  private final Runnable turn;
  private final Runnable last;
  private final AtomicBoolean queued = new AtomicBoolean();
  private final CountDownLatch finished = new CountDownLatch(1);
  /** The thread running a turn now, or null. */
  private volatile Thread turning;
  private volatile boolean stopping;
  private boolean done;
  /** A timed wake-up is scheduled for {@code wakeAt} (System.nanoTime()). Guarded by this. */
  private boolean timed;
  private long wakeAt;

  /**
   * @param turn one turn of the loop; it asks for the next with {@link #within} or {@link #wake}
   * @param last the last turn, once {@link #stop} is called
   */
  Turns(Executor serial, ScheduledExecutorService ticks, Runnable turn, Runnable last) {
    this.serial = serial;
    this.ticks = ticks;
    this.turn = turn;
    this.last = last;
  }

  boolean stopping() {
    return stopping;
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
    turning = Thread.currentThread();
    try {
      if (stopping) {
        finish();
      } else if (!isDone()) {
        turn.run();
      }
    } finally {
      turning = null;
    }
  }

  private synchronized boolean isDone() {
    return done;
  }

  /** The last turn, once. */
  private void finish() {
    synchronized (this) {
      if (done) {
        return;
      }
      done = true;
    }
    try {
      last.run();
    } finally {
      finished.countDown();
    }
  }

  /**
   * Has the last turn run and waits for it at most {@code limit}; from a turn itself it does not
   * wait (the last one runs after it). When the executor takes no more work, the last turn runs
   * here. Idempotent.
   */
  void stop(Duration limit) {
    stopping = true;
    boolean queued = wake();
    if (Thread.currentThread() == turning) {
      return; // the last turn runs after this one
    }
    if (!queued) {
      finish();
    }
    try {
      finished.await(limit.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
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

package io.mast.seams;

import java.time.Duration;
import java.util.PriorityQueue;

/**
 * A {@link Scheduler} whose time moves only when {@link #advance(Duration)} is called; due tasks
 * then run in the calling thread, in due-time order (ties in scheduling order). Tests use it to
 * run hours of timers in milliseconds; the store benchmark uses it to keep every write of a
 * store on one thread, so that thread's I/O counters measure that store alone.
 *
 * <p>Thread safe: tasks may be scheduled from any thread; {@code advance} runs them in its
 * caller. A task scheduled with a zero delay runs at the next {@code advance} (or
 * {@link #runDue()}), not inside {@code schedule}, so it never runs under the caller's locks.
 */
public final class ManualScheduler implements Scheduler {
  private record Task(long dueNanos, long order, Runnable body) {}

  private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) -> a.dueNanos != b.dueNanos
      ? Long.compare(a.dueNanos, b.dueNanos) : Long.compare(a.order, b.order));
  private long nowNanos;
  private long scheduled;
  private boolean closed;

  @Override
  public synchronized void schedule(Duration delay, Runnable task) {
    if (!closed) {
      tasks.add(new Task(nowNanos + delay.toNanos(), scheduled++, task));
    }
  }

  /** Moves time forward by {@code step} and runs every task due by then, including new ones. */
  public void advance(Duration step) {
    long target;
    synchronized (this) {
      target = nowNanos + step.toNanos();
    }
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.peek();
        if (next == null || next.dueNanos > target) {
          nowNanos = target;
          return;
        }
        tasks.poll();
        nowNanos = Math.max(nowNanos, next.dueNanos);
      }
      next.body.run();
    }
  }

  /** Runs the tasks due now without moving time. */
  public void runDue() {
    advance(Duration.ZERO);
  }

  /** When the earliest waiting task is due, as time since creation; empty if none waits. */
  public synchronized java.util.Optional<Duration> nextDue() {
    Task next = tasks.peek();
    return next == null ? java.util.Optional.empty() : java.util.Optional.of(Duration.ofNanos(next.dueNanos));
  }

  /** A clock that reads {@code start} plus the time this scheduler has been advanced by. */
  public java.time.Clock clock(java.time.Instant start) {
    ManualScheduler self = this;
    return new java.time.Clock() {
      @Override
      public java.time.ZoneId getZone() {
        return java.time.ZoneOffset.UTC;
      }

      @Override
      public java.time.Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public java.time.Instant instant() {
        synchronized (self) {
          return start.plusNanos(nowNanos);
        }
      }
    };
  }

  @Override
  public synchronized void close() {
    closed = true;
    tasks.clear();
  }
}

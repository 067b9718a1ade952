package io.mast.seams;

import java.time.Duration;

/**
 * Runs tasks once after a delay: the runtime's seam for time. Production code gets
 * {@link #newThread(String)}; tests and benchmarks that must control time get a
 * {@link ManualScheduler}, so a test of minutes of group commits runs in milliseconds and never
 * sleeps.
 *
 * <p>Tasks run one at a time, on the scheduler's own thread (or the thread that advances a
 * manual scheduler), in the order of their due times. A task that throws is logged by the
 * implementation and does not stop later tasks.
 */
public interface Scheduler extends AutoCloseable {
  /** Runs {@code task} once, {@code delay} from now (at once for a zero delay). */
  void schedule(Duration delay, Runnable task);

  /** Stops running tasks; tasks not yet due are dropped. Idempotent. */
  @Override
  void close();

  /** A scheduler with one daemon thread named {@code name}. */
  static Scheduler newThread(String name) {
    return new ThreadScheduler(name);
  }
}

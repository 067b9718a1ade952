package io.mast.seams;

import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/** {@link Scheduler} over one daemon thread of a {@link ScheduledThreadPoolExecutor}. */
final class ThreadScheduler implements Scheduler {
  private final ScheduledThreadPoolExecutor executor;

  ThreadScheduler(String name) {
    executor = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    executor.setRemoveOnCancelPolicy(true);
  }

  @Override
  public void schedule(Duration delay, Runnable task) {
    if (executor.isShutdown()) {
      return;
    }
    executor.schedule(() -> {
      try {
        task.run();
      } catch (RuntimeException | Error e) {
        Logger.error(e, "scheduled task failed; the scheduler goes on");
      }
    }, delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public void close() {
    executor.shutdown();
    try {
      if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}

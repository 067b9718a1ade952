package io.mast.seams;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/**
 * Runs tasks one at a time, in the order given, on a pool it shares with others: what a
 * single-thread executor promises (no two tasks at once, each sees what the one before did),
 * without a thread of its own. So a thousand poles' agents in one JVM cost the threads busy at
 * the moment, not a thousand idle ones. While a task runs, its thread carries this executor's
 * name, so a thread dump says whose work it is.
 *
 * <p>At most {@code capacity} tasks wait (the one running not counted); {@link #offer} says false
 * and {@link #execute} throws {@link RejectedExecutionException} beyond that, or once
 * {@link #shutdown}. A task that throws is logged, and the next one runs; an {@link Error} is
 * also handed to {@link #onError}. After a run of
 * {@value #BATCH} tasks the executor gives its pool thread back and queues itself again, so a
 * busy one cannot hold a thread others wait for. (Guava's {@code newSequentialExecutor} does the
 * same; a dependency of 3 MB on the pole for one class is not worth it.) Thread-safe.
 */
public final class SerialExecutor implements Executor {
  static final int BATCH = 64;

  private final Executor pool;
  private final String name;
  private final int capacity;
  private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
  private final Object lock = new Object();
  /** A drain is queued on the pool or running. */
  private boolean draining;
  private boolean shutdown;
  private volatile java.util.function.Consumer<Error> onError = e -> { };

  /** @param capacity the tasks that may wait; {@link Integer#MAX_VALUE} for no bound */
  public SerialExecutor(Executor pool, String name, int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity " + capacity + "; at least 1");
    }
    this.pool = pool;
    this.name = name;
    this.capacity = capacity;
  }

  /** Queues {@code task}; false when {@code capacity} wait already or the executor is shut down. */
  public boolean offer(Runnable task) {
    synchronized (lock) {
      if (shutdown || queue.size() >= capacity) {
        return false;
      }
      queue.add(task);
      if (draining) {
        return true;
      }
      draining = true;
    }
    return submitDrain();
  }

  @Override
  public void execute(Runnable task) {
    if (!offer(task)) {
      throw new RejectedExecutionException(name + (isShutdown() ? " is shut down" : ": " + capacity + " tasks wait already"));
    }
  }

  private boolean submitDrain() {
    try {
      pool.execute(this::drain);
      return true;
    } catch (RejectedExecutionException e) {
      synchronized (lock) {
        Logger.error("{}: the shared pool refused work ({}); {} queued tasks dropped", name, e.getMessage(), queue.size());
        queue.clear();
        draining = false;
        lock.notifyAll();
      }
      return false;
    }
  }

  private void drain() {
    Thread me = Thread.currentThread();
    String before = me.getName();
    me.setName(name);
    try {
      for (int i = 0; i < BATCH; i++) {
        Runnable task;
        synchronized (lock) {
          task = queue.poll();
          if (task == null) {
            draining = false;
            lock.notifyAll();
            return;
          }
        }
        try {
          task.run();
        } catch (RuntimeException e) {
          Logger.error(e, "{}: a task failed; the next one runs", name);
        } catch (Error e) {
          Logger.error(e, "{}: a task failed with an error; the next one runs", name);
          onError.accept(e);
        }
      }
    } finally {
      me.setName(before);
    }
    submitDrain(); // a long queue: give the pool thread back and queue again
  }

  /**
   * Who is told of an {@link Error} a task threw (out of memory, a stack overflow, a class that
   * did not load), after it is logged: the pole keeps it for its watchdog and health, since the
   * work after it runs on state no one knows. Returns this.
   */
  public SerialExecutor onError(java.util.function.Consumer<Error> listener) {
    this.onError = listener;
    return this;
  }

  /** Takes no more tasks; those queued still run. */
  public void shutdown() {
    synchronized (lock) {
      shutdown = true;
    }
  }

  public boolean isShutdown() {
    synchronized (lock) {
      return shutdown;
    }
  }

  /** Waits at most {@code limit} for the queued tasks to run; true if none is left. */
  public boolean awaitIdle(Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    synchronized (lock) {
      while (draining) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(lock, left);
      }
      return true;
    }
  }
}

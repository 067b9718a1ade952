package io.mast.seams;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads a pole's work runs on, made once and handed to each part, so that many poles in one
 * JVM (a fleet simulator, a test of a hundred) share them instead of each making its own:
 * <ul>
 *   <li>{@link #timer()}: batch windows, health, sampling ticks, the agents' timeouts (one thread;
 *       its tasks are short and hand anything long elsewhere);
 *   <li>{@link #storeSync()}: the ring stores' group commits (one thread: they fsync);
 *   <li>{@link #ticks()}: short timed tasks that must outlive the timer while a pole stops: Paho's
 *       keepalive pings and the uplink's wake-ups (one thread);
 *   <li>{@link #serial}: a {@link SerialExecutor} over one cached pool for each part that needs
 *       its work one at a time in order: the uplink's loop, each agent's queue, each sensor's
 *       samples. A pool thread exists while work runs (or blocks: a connect, a serial read) and
 *       ends after a minute idle.
 * </ul>
 * What cannot be shared is Paho's: its receiver, sender and callback threads block on one
 * connection each (three per pole while connected).
 *
 * <p>{@link #own} is one pole's set, closed with the pole; {@link #shared} is a set for many,
 * which no pole closes: its maker closes it after the last pole.
 */
public final class PoleThreads implements AutoCloseable {
  /** How long an idle pool thread lives. */
  static final Duration KEEP_ALIVE = Duration.ofSeconds(60);

  private final Scheduler timer;
  private final Scheduler storeSync;
  private final ScheduledThreadPoolExecutor ticks;
  private final ThreadPoolExecutor pool;
  private final boolean shared;

  private PoleThreads(String prefix, Scheduler timer, boolean shared) {
    this.timer = timer;
    this.shared = shared;
    this.storeSync = Scheduler.newThread(prefix + "store-sync");
    this.ticks = new ScheduledThreadPoolExecutor(1, daemons(prefix + "ticks"));
    ticks.setRemoveOnCancelPolicy(true);
    ticks.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, KEEP_ALIVE.toSeconds(), TimeUnit.SECONDS, new SynchronousQueue<>(),
        daemons(prefix + "pool-"));
  }

  /** One pole's threads, {@code timer} among them; the pole closes them when it stops. */
  public static PoleThreads own(Scheduler timer) {
    return new PoleThreads("mast-", timer, false);
  }

  /** Threads for many poles in one JVM, named {@code name-...}; closed by the caller after every pole. */
  public static PoleThreads shared(String name) {
    return new PoleThreads(name + "-", Scheduler.newThread(name + "-timer"), true);
  }

  /** Whether many poles share these: no pole closes them. */
  public boolean shared() {
    return shared;
  }

  public Scheduler timer() {
    return timer;
  }

  public Scheduler storeSync() {
    return storeSync;
  }

  public ScheduledExecutorService ticks() {
    return ticks;
  }

  /** Work one at a time, in order, under {@code name}, at most {@code capacity} waiting. */
  public SerialExecutor serial(String name, int capacity) {
    return new SerialExecutor(pool, name, capacity);
  }

  /** Stops them all: pending timed tasks are dropped, running work gets a few seconds to end. */
  @Override
  public void close() {
    timer.close();
    storeSync.close();
    ticks.shutdownNow();
    pool.shutdown();
    try {
      if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
        pool.shutdownNow();
      }
    } catch (InterruptedException e) {
      pool.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private static ThreadFactory daemons(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name.endsWith("-") ? name + n.incrementAndGet() : name);
      t.setDaemon(true);
      return t;
    };
  }
}

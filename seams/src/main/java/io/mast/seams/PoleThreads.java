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
 * What cannot be shared is what Paho's receiver, sender and callback do: each blocks on one
 * connection (three threads per pole while connected). One pole gives Paho threads of its own;
 * many poles give it {@link #mqtt()}, the same pool, so a thread that served one connection
 * serves the next and a reconnect storm of thousands of poles starts no thread at all.
 *
 * <p>{@link #own} is one pole's set, closed with the pole; {@link #shared} is a set for many,
 * which no pole closes: its maker closes it after the last pole.
 */
public final class PoleThreads implements AutoCloseable {
  /** How long an idle pool thread lives. */
  static final Duration KEEP_ALIVE = Duration.ofSeconds(60);
  /**
   * How long an idle thread of a shared set lives: longer than a broker or cell outage, so that
   * the MQTT threads of many poles, idle while their broker is away, serve the reconnects instead
   * of ending and being started again (with tens of thousands of threads, a start costs the JVM a
   * walk of all of them).
   */
  static final Duration SHARED_KEEP_ALIVE = Duration.ofMinutes(15);

  private final Scheduler timer;
  private final Scheduler storeSync;
  private final ScheduledThreadPoolExecutor ticks;
  private final ThreadPoolExecutor pool;
  private final boolean shared;
  private final ScheduledExecutorService mqtt = new SharedExecutor();

  private PoleThreads(String prefix, Scheduler timer, boolean shared) {
    this.timer = timer;
    this.shared = shared;
    this.storeSync = Scheduler.newThread(prefix + "store-sync");
    this.ticks = new ScheduledThreadPoolExecutor(1, daemons(prefix + "ticks"));
    ticks.setRemoveOnCancelPolicy(true);
    ticks.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, (shared ? SHARED_KEEP_ALIVE : KEEP_ALIVE).toSeconds(), TimeUnit.SECONDS,
        new SynchronousQueue<>(),
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

  /**
   * Where a pole's MQTT client runs its receiver, sender, callback, connects and disconnects:
   * null for a pole's own threads (Paho then starts threads of its own for each connection), the
   * shared pool (and the ticks for timed work) for many poles. Paho shuts down the executor it is
   * given when a client closes; this one ignores that: its maker closes the pool.
   */
  public ScheduledExecutorService mqtt() {
    return shared ? mqtt : null;
  }

  /** The pool and the ticks as one executor that no client can shut down. */
  private final class SharedExecutor extends java.util.concurrent.AbstractExecutorService implements ScheduledExecutorService {
    @Override
    public void execute(Runnable command) {
      pool.execute(command);
    }

    @Override
    public java.util.concurrent.ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      return ticks.schedule(command, delay, unit);
    }

    @Override
    public <V> java.util.concurrent.ScheduledFuture<V> schedule(java.util.concurrent.Callable<V> callable, long delay, TimeUnit unit) {
      return ticks.schedule(callable, delay, unit);
    }

    @Override
    public java.util.concurrent.ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
      return ticks.scheduleAtFixedRate(command, initialDelay, period, unit);
    }

    @Override
    public java.util.concurrent.ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
      return ticks.scheduleWithFixedDelay(command, initialDelay, delay, unit);
    }

    @Override
    public void shutdown() {
      // the pole's client closing: the pool serves the others
    }

    @Override
    public java.util.List<Runnable> shutdownNow() {
      return java.util.List.of();
    }

    @Override
    public boolean isShutdown() {
      return pool.isShutdown();
    }

    @Override
    public boolean isTerminated() {
      return pool.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return true; // nothing of a client's own to wait for
    }
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

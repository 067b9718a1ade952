package io.mast.runtime.sampling;

import io.mast.drivers.ChannelSpec;
import io.mast.drivers.ChannelValue;
import io.mast.drivers.Sample;
import io.mast.drivers.SensorDriver;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.Reading;
import io.mast.seams.Scheduler;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;
import java.util.function.Function;
import org.tinylog.Logger;

/**
 * Samples every driver on its channels' grid and hands the readings to {@link Ingest}.
 *
 * <p><b>Schedule.</b> A driver ticks at the greatest common divisor of its channels' intervals,
 * on Unix-time multiples of it (a 10 s sensor samples at :00, :10, :20...), and at each tick
 * keeps the channels whose own interval divides the tick time. A reading's time is its grid
 * time, so readings of one tick share a time axis in the frame.
 *
 * <p><b>Isolation.</b> Each driver samples on its own executor (a thread per driver in the
 * runtime): a slow or dead sensor never delays another. A tick that finds its driver still busy
 * is skipped and counted as an overrun. A driver that throws {@link IOException} (lost device) is
 * closed and reopened no sooner than a backoff of 1 s doubling to 5 min; until then its channels
 * count DEVICE_ERROR.
 *
 * <p><b>Time.</b> The clock and the scheduler are injected, so tests run days of sampling in
 * milliseconds with a manual scheduler and a direct executor.
 */
public final class Sampler implements AutoCloseable {
  /** How long {@link #close()} waits for samples in progress. */
  static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

  private final ChannelProfile profile;
  private final Ingest ingest;
  private final Scheduler scheduler;
  private final Clock clock;
  private final List<DriverRunner> runners = new ArrayList<>();
  private final AtomicLongArray ok;
  private final AtomicLongArray errors;
  private final AtomicLongArray last;
  private final AtomicLongArray lastAt;
  private final AtomicReferenceArray<String> lastError;
  private volatile boolean stopped;
  private volatile long overruns;

  /**
   * @param executors the executor each driver samples on, by driver name
   */
  public Sampler(List<SensorDriver> drivers, ChannelProfile profile, Ingest ingest, Scheduler scheduler, Clock clock,
      Function<String, Executor> executors) {
    this(drivers, Set.of(), profile, ingest, scheduler, clock, executors);
  }

  /**
   * A sampler that takes over {@code alreadyOpen} drivers from one {@link #handOver handed
   * over}: they are sampled without being opened again.
   */
  public Sampler(List<SensorDriver> drivers, Set<SensorDriver> alreadyOpen, ChannelProfile profile, Ingest ingest,
      Scheduler scheduler, Clock clock, Function<String, Executor> executors) {
    this.profile = profile;
    this.ingest = ingest;
    this.scheduler = scheduler;
    this.clock = clock;
    int n = profile.size();
    ok = new AtomicLongArray(n);
    errors = new AtomicLongArray(n);
    last = new AtomicLongArray(n);
    lastAt = new AtomicLongArray(n);
    lastError = new AtomicReferenceArray<>(n);
    for (SensorDriver d : drivers) {
      runners.add(new DriverRunner(d, executors.apply(d.name()), alreadyOpen.contains(d), profile, clock));
    }
  }

  /** Schedules every driver's first tick. */
  public void start() {
    runners.forEach(this::scheduleNext);
  }

  private void scheduleNext(DriverRunner r) {
    if (stopped) {
      return;
    }
    long now = clock.millis();
    long stepMs = r.step * 1000;
    long next = Math.floorDiv(now, stepMs) * stepMs + stepMs;
    scheduler.schedule(Duration.ofMillis(next - now), () -> tick(r, next / 1000));
  }

  private void tick(DriverRunner r, long time) {
    if (stopped) {
      return;
    }
    if (r.busy.compareAndSet(false, true)) {
      try {
        r.executor.execute(() -> {
          try {
            sampleOnce(r, time);
          } finally {
            r.busy.set(false);
          }
        });
      } catch (RuntimeException e) {
        r.busy.set(false);
        Logger.warn("sampler: {} could not start a sample: {}", r.driver.name(), e.getMessage());
      }
    } else {
      overruns++;
    }
    scheduleNext(r);
  }

  private void sampleOnce(DriverRunner r, long time) {
    if (stopped) {
      return;
    }
    List<Integer> due = r.due(time);
    if (due.isEmpty()) {
      return;
    }
    Sample sample;
    try {
      if (!r.open) {
        if (clock.millis() < r.reopenAtMillis) {
          failAll(r, due, "device not reachable; next attempt to open it at " + java.time.Instant.ofEpochMilli(r.reopenAtMillis));
          return;
        }
        r.driver.open();
        r.open = true;
        if (r.failures > 0) {
          Logger.info("sampler: {} is back after {} failed attempts", r.driver.name(), r.failures);
        }
      }
      sample = r.driver.sample();
      r.failures = 0;
    } catch (IOException | RuntimeException e) {
      long wait = r.lost();
      Logger.warn("sampler: {} failed ({}); reopening in {} ms", r.driver.name(), e.getMessage(), wait);
      failAll(r, due, "device lost: " + e.getMessage());
      return;
    }
    List<Reading> readings = new ArrayList<>(due.size());
    for (int i : due) {
      ChannelValue v = sample.values().get(i);
      int id = r.channelIds[i];
      if (v.isOk()) {
        ok.incrementAndGet(id);
        last.set(id, v.mantissa());
        lastAt.set(id, time);
        readings.add(new Reading(id, time, v.mantissa()));
      } else {
        errors.incrementAndGet(id);
        lastError.set(id, v.status() + ": " + v.detail());
      }
    }
    try {
      ingest.accept(readings);
    } catch (IOException e) {
      Logger.error("sampler: storing {} readings of {} failed: {}", readings.size(), r.driver.name(), e.getMessage());
    }
  }

  private void failAll(DriverRunner r, List<Integer> due, String detail) {
    for (int i : due) {
      errors.incrementAndGet(r.channelIds[i]);
      lastError.set(r.channelIds[i], "DEVICE_ERROR: " + detail);
    }
  }

  /**
   * Opens every driver not open yet, each on its own executor, without waiting for its first
   * tick; completes with one line per driver that failed to open ("pm-port: no such port"). A
   * driver that failed is opened again at its ticks with the usual backoff.
   */
  public CompletableFuture<List<String>> openAll() {
    List<CompletableFuture<String>> each = new ArrayList<>();
    for (DriverRunner r : runners) {
      CompletableFuture<String> f = new CompletableFuture<>();
      each.add(f);
      try {
        r.executor.execute(() -> f.complete(stopped ? null : r.openNow()));
      } catch (RuntimeException e) {
        f.complete(r.driver.name() + ": " + e.getMessage());
      }
    }
    return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
        .thenApply(v -> each.stream().map(CompletableFuture::join).filter(e -> e != null).toList());
  }

  /**
   * Stops sampling for a new config: like {@link #close()}, but the drivers in {@code keep} are
   * left open for the next sampler, which takes them over without reopening them. Waits up to
   * {@link #CLOSE_WAIT} for samples in progress, so no reading under the old channel ids is
   * stored after this returns.
   *
   * @return the kept drivers that were open
   */
  public Set<SensorDriver> handOver(Set<SensorDriver> keep) {
    Set<SensorDriver> open = ConcurrentHashMap.newKeySet();
    stop(r -> {
      if (keep.contains(r.driver)) {
        if (r.open) {
          open.add(r.driver);
        }
      } else {
        r.driver.close();
      }
    });
    return Set.copyOf(open);
  }

  /** Readings taken with status OK on channel {@code id}. */
  public long ok(int id) {
    return ok.get(id);
  }

  /** Readings failed on channel {@code id}. */
  public long errors(int id) {
    return errors.get(id);
  }

  /** The latest failure on channel {@code id}, or empty. */
  public String lastError(int id) {
    String e = lastError.get(id);
    return e == null ? "" : e;
  }

  /** The latest good mantissa on channel {@code id} (0 before the first). */
  public long last(int id) {
    return last.get(id);
  }

  /** The grid time (Unix seconds) of the latest good reading on channel {@code id}, 0 before the first. */
  public long lastAt(int id) {
    return lastAt.get(id);
  }

  /**
   * Samples {@code driver} now, on its own executor (after a sample in progress, never beside
   * one), opening it first if it is not open; the result is shown, not stored: the grid's
   * samples stay the record. Completes exceptionally with the driver's failure, or at once
   * when the driver is not this sampler's or sampling has stopped.
   */
  public CompletableFuture<Sample> sampleNow(SensorDriver driver) {
    return onDriver(driver, r -> {
      r.open();
      try {
        return r.driver.sample();
      } catch (IOException | RuntimeException e) {
        r.lost();
        throw e;
      }
    });
  }

  /**
   * Runs {@code task} with {@code driver} open, on its executor, between samples (a meter's
   * total set by hand); a driver not open yet (before its first tick) is opened first.
   */
  public <T> CompletableFuture<T> withDriver(SensorDriver driver, DriverTask<T> task) {
    return onDriver(driver, r -> {
      r.open();
      return task.run(r.driver);
    });
  }

  /** Work on a driver that may fail with I/O. */
  public interface DriverTask<T> {
    T run(SensorDriver driver) throws IOException;
  }

  private interface RunnerTask<T> {
    T run(DriverRunner r) throws IOException;
  }

  private <T> CompletableFuture<T> onDriver(SensorDriver driver, RunnerTask<T> task) {
    CompletableFuture<T> done = new CompletableFuture<>();
    DriverRunner runner = runners.stream().filter(r -> r.driver == driver).findFirst().orElse(null);
    if (runner == null || stopped) {
      done.completeExceptionally(new IOException(stopped ? "sampling has stopped (a config change or shutdown); try again"
          : driver.name() + " is not sampled here"));
      return done;
    }
    try {
      runner.executor.execute(() -> {
        if (stopped) {
          done.completeExceptionally(new IOException("sampling stopped before " + driver.name() + " was free; try again"));
          return;
        }
        try {
          done.complete(task.run(runner));
        } catch (IOException | RuntimeException e) {
          done.completeExceptionally(e);
        }
      });
    } catch (RuntimeException e) {
      done.completeExceptionally(e);
    }
    return done;
  }

  /** Ticks skipped because the driver was still busy with the previous one. */
  public long overruns() {
    return overruns;
  }

  /**
   * Stops sampling and closes every driver on its own executor, after any sample it is taking.
   * Waits up to {@link #CLOSE_WAIT} for those samples to be stored, so a frame cut written after
   * this returns comes after them; a driver still blocked then is left behind (and logged).
   *
   * <p>A sample that is under way (its driver's {@code sample()} entered) when this is called is
   * stored. A tick that has been handed to its driver's executor but has not started yet takes
   * no sample: it sees that sampling has stopped and returns, so nothing is read from a device
   * after this call, and no tick is scheduled again.
   */
  @Override
  public void close() {
    stop(r -> r.driver.close());
  }

  /** Stops ticking and runs {@code last} for each runner on its executor, after any sample in progress. */
  private void stop(Consumer<DriverRunner> last) {
    stopped = true;
    CountDownLatch closed = new CountDownLatch(runners.size());
    for (DriverRunner r : runners) {
      Runnable closeDriver = () -> {
        try {
          last.accept(r);
        } finally {
          closed.countDown();
        }
      };
      try {
        r.executor.execute(closeDriver);
      } catch (RuntimeException e) {
        closeDriver.run();
      }
    }
    try {
      if (!closed.await(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        Logger.warn("sampler: {} of {} drivers still busy {} s after sampling stopped; a late sample lands after the last frame cut",
            closed.getCount(), runners.size(), CLOSE_WAIT.toSeconds());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

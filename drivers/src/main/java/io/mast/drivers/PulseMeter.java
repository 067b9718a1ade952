package io.mast.drivers;

import com.pi4j.context.Context;
import com.pi4j.io.gpio.digital.DigitalInput;
import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.io.gpio.digital.DigitalStateChangeListener;
import com.pi4j.io.gpio.digital.PullResistance;
import io.mast.drivers.internal.PulseJournal;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.List;
import io.mast.seams.SerialExecutor;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.tinylog.Logger;

/**
 * A water or gas meter's pulse output on a GPIO pin (reed contact or open collector to ground,
 * internal pull-up: the line idles high and a pulse pulls it low), counted into a 64-bit total that
 * survives restarts and power cuts.
 *
 * <p><b>Debounce.</b> The line is a sequence of levels; a level shorter than the debounce time
 * ({@link Builder#debounceMillis}, default 20 ms) is noise and is absorbed into the level around it.
 * A pulse is counted when an active (low) level has lasted at least the debounce time, which is
 * known at its next edge or at the next sample, whichever comes first. Contact bounce at either end
 * of a pulse and spikes on a long cable are therefore never counted, and a pulse is never counted
 * twice.
 *
 * <p><b>Crash safety.</b> The total lives in a {@link PulseJournal} next to the store. A checkpoint
 * is forced to flash (a) by {@link #sample()} before it reports a new total, so a reported total
 * never goes backwards after a restart, and (b) by a background thread as soon as
 * {@link Builder#checkpointEvery} (default 10) pulses have been counted since the last one. A power
 * cut therefore loses at most the pulses counted after the last checkpoint: fewer than
 * {@code checkpointEvery}, plus any that arrive while that checkpoint is being forced (one fdatasync,
 * milliseconds, against a meter's pulses seconds apart), and never one that was already reported.
 * Pulses while the board is off are not seen; {@link #setTotal} realigns the total with the meter's
 * mechanical register.
 *
 * <p><b>Threading.</b> GPIO edges arrive on Pi4J's listener thread and only update counters under a
 * short lock; checkpoints run on this meter's own thread or the sampler's, under a second lock, so
 * an edge never waits for flash.
 */
public final class PulseMeter implements SensorDriver {
  private final Buses buses;
  private final ChannelSpec spec;
  private final int pin;
  private final long pulsesPerUnit;
  private final Path journalFile;
  private final LongSupplier nanoClock;
  private final long debounceNanos;
  private final long checkpointEvery;

  private final Object countLock = new Object();
  private final Object flashLock = new Object();
  private DigitalState stable;
  private DigitalState raw;
  private long lastEdgeNanos;
  private long total;
  private long edges;
  private long pulsesIgnoredAsNoise;
  private boolean checkpointQueued;

  private PulseJournal journal;
  private volatile long persisted;
  private DigitalInput input;
  private DigitalStateChangeListener listener;
  private Executor checkpointer;
  private final ExecutorService executor;
  private final SerialExecutor shared;

  private PulseMeter(Builder b) {
    this.buses = b.buses;
    this.spec = b.spec;
    this.pin = b.pin;
    this.pulsesPerUnit = b.pulsesPerUnit;
    this.journalFile = b.journalFile;
    this.nanoClock = b.nanoClock;
    this.debounceNanos = b.debounceMillis * 1_000_000L;
    this.checkpointEvery = b.checkpointEvery;
    this.executor = b.executor;
    this.shared = b.shared;
  }

  public static Builder builder(Buses buses, ChannelSpec spec, int pin, Path journalFile) {
    return new Builder(buses, spec, pin, journalFile);
  }

  @Override
  public String name() {
    return "pulse_meter on GPIO " + pin;
  }

  @Override
  public List<ChannelSpec> channels() {
    return List.of(spec);
  }

  @Override
  public void open() throws IOException {
    if (journal != null) {
      throw new IllegalStateException(name() + " is already open");
    }
    PulseJournal opened = PulseJournal.open(journalFile);
    Context gpio = buses.gpio();
    try {
      DigitalInput in = gpio.create(DigitalInput.newConfigBuilder(gpio).id("pulse-" + pin).name(spec.sensorId())
          .address(pin).pull(PullResistance.PULL_UP));
      synchronized (countLock) {
        total = opened.total();
        raw = in.state();
        stable = raw;
        lastEdgeNanos = nanoClock.getAsLong();
      }
      persisted = opened.total();
      journal = opened;
      checkpointer = shared != null ? shared : executor != null ? executor : Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "pulse-checkpoint-" + pin);
        t.setDaemon(true);
        return t;
      });
      listener = event -> edge(event.state());
      in.addListener(listener);
      input = in;
    } catch (RuntimeException e) {
      opened.close();
      throw new IOException("cannot claim GPIO " + pin + " for " + spec.sensorId() + ": " + e.getMessage(), e);
    }
  }

  /** Called on Pi4J's listener thread for every edge; never blocks on flash. */
  private void edge(DigitalState level) {
    boolean queue;
    synchronized (countLock) {
      long now = nanoClock.getAsLong();
      if (raw == DigitalState.LOW && stable != DigitalState.LOW && now - lastEdgeNanos < debounceNanos) {
        pulsesIgnoredAsNoise++;
      }
      settle(now);
      raw = level;
      lastEdgeNanos = now;
      edges++;
      queue = total - persisted >= checkpointEvery && !checkpointQueued;
      checkpointQueued |= queue;
    }
    if (queue) {
      checkpointer.execute(this::backgroundCheckpoint);
    }
  }

  /** Confirms the current raw level once it has lasted the debounce time; a confirmed low is a pulse. */
  private void settle(long now) {
    if (raw != stable && now - lastEdgeNanos >= debounceNanos) {
      stable = raw;
      if (stable == DigitalState.LOW) {
        total++;
      }
    }
  }

  private void backgroundCheckpoint() {
    try {
      checkpoint();
    } catch (IOException e) {
      Logger.warn("pulse meter {}: checkpoint failed, the next sample retries: {}", spec.sensorId(), e.getMessage());
    }
  }

  /** Forces the current total to flash unless it is there already; returns the total now on flash. */
  private long checkpoint() throws IOException {
    synchronized (flashLock) {
      long now;
      synchronized (countLock) {
        checkpointQueued = false;
        now = total;
      }
      if (now != persisted) {
        journal.checkpoint(now, false);
        persisted = now;
      }
      return now;
    }
  }

  @Override
  public Sample sample() throws IOException {
    if (journal == null) {
      throw new IllegalStateException(name() + " is not open");
    }
    synchronized (countLock) {
      settle(nanoClock.getAsLong());
    }
    return new Sample(List.of(spec.value(units(checkpoint()))));
  }

  private BigDecimal units(long pulses) {
    return BigDecimal.valueOf(pulses).divide(BigDecimal.valueOf(pulsesPerUnit), 18, RoundingMode.FLOOR);
  }

  /**
   * Sets the total to {@code pulses}, the meter's mechanical register at installation or after a
   * swap, and forces it to flash before returning. Counting goes on from there.
   */
  public void setTotal(long pulses) throws IOException {
    if (pulses < 0) {
      throw new IllegalArgumentException("pulse total " + pulses + " is negative");
    }
    synchronized (flashLock) {
      synchronized (countLock) {
        total = pulses;
      }
      journal.checkpoint(pulses, true);
      persisted = pulses;
    }
  }

  /** Pulses counted over the meter's life (the journal's total plus those since). */
  public long total() {
    synchronized (countLock) {
      return total;
    }
  }

  /** Raw edges seen, and low levels dropped as shorter than the debounce time. */
  public long edges() {
    synchronized (countLock) {
      return edges;
    }
  }

  public long noiseDropped() {
    synchronized (countLock) {
      return pulsesIgnoredAsNoise;
    }
  }

  @Override
  public void close() {
    if (input != null) {
      input.removeListener(listener);
      try {
        buses.gpio().shutdown(input.id());
      } catch (IOException | RuntimeException e) {
        Logger.debug("GPIO {} release: {}", pin, e.getMessage());
      }
      input = null;
    }
    if (checkpointer != null) {
      try {
        if (checkpointer instanceof SerialExecutor s) {
          s.awaitIdle(Duration.ofSeconds(5)); // the pole's queue: not the meter's to stop
        } else if (checkpointer instanceof ExecutorService e) {
          e.shutdown();
          e.awaitTermination(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      checkpointer = null;
    }
    if (journal != null) {
      try {
        checkpoint();
      } catch (IOException e) {
        Logger.warn("pulse meter {}: final checkpoint failed: {}", spec.sensorId(), e.getMessage());
      }
      journal.close();
      journal = null;
    }
  }

  /**
   * Settings of a {@link PulseMeter}. Defaults: 1 pulse per unit, 20 ms debounce, a checkpoint every
   * 10 pulses, {@link System#nanoTime()} as the clock.
   */
  public static final class Builder {
    private final Buses buses;
    private final ChannelSpec spec;
    private final int pin;
    private final Path journalFile;
    private long pulsesPerUnit = 1;
    private long debounceMillis = 20;
    private long checkpointEvery = 10;
    private LongSupplier nanoClock = System::nanoTime;
    private ExecutorService executor;
    private SerialExecutor shared;

    private Builder(Buses buses, ChannelSpec spec, int pin, Path journalFile) {
      this.buses = buses;
      this.spec = spec;
      this.pin = pin;
      this.journalFile = journalFile;
    }

    public Builder pulsesPerUnit(long value) {
      pulsesPerUnit = value;
      return this;
    }

    public Builder debounceMillis(long value) {
      debounceMillis = value;
      return this;
    }

    public Builder checkpointEvery(long pulses) {
      checkpointEvery = pulses;
      return this;
    }

    public Builder nanoClock(LongSupplier clock) {
      nanoClock = clock;
      return this;
    }

    /** Runs background checkpoints; a thread of the meter's own by default. Shut down by {@code close}. */
    public Builder checkpointExecutor(ExecutorService value) {
      executor = value;
      return this;
    }

    /** Runs background checkpoints on a queue of the pole's threads, which {@code close} waits for but leaves running. */
    public Builder checkpoints(SerialExecutor value) {
      shared = value;
      return this;
    }

    public PulseMeter build() {
      if (pulsesPerUnit < 1) {
        throw new IllegalArgumentException("pulses per unit " + pulsesPerUnit + " is below 1");
      }
      if (debounceMillis < 0 || debounceMillis > 10_000) {
        throw new IllegalArgumentException("debounce " + debounceMillis + " ms is outside 0..10000");
      }
      if (checkpointEvery < 1) {
        throw new IllegalArgumentException("checkpoint every " + checkpointEvery + " pulses is below 1");
      }
      if (pin < 0 || pin > 53) {
        throw new IllegalArgumentException("GPIO " + pin + " is outside 0..53");
      }
      return new PulseMeter(this);
    }
  }
}

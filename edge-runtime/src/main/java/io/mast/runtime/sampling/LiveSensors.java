package io.mast.runtime.sampling;

import io.mast.config.model.DeviceConfig;
import io.mast.config.model.Sensor;
import io.mast.drivers.Buses;
import io.mast.drivers.DriverCatalog;
import io.mast.drivers.SensorDriver;
import io.mast.protocol.ChannelProfile;
import io.mast.seams.PoleThreads;
import io.mast.seams.Scheduler;
import io.mast.seams.SerialExecutor;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The pole's sensors as they are now: one driver per wired device, each sampled one at a time on its own queue,
 * sampled by a {@link Sampler}; and the change to a new config's sensors without stopping the
 * devices that did not change.
 *
 * <p><b>A change</b> ({@link #change}): the devices whose sensors are equal in both configs keep
 * their driver, open, on its thread; the others are closed, and the new config's are built. The
 * old sampler stops after any sample in progress (so no reading under the old channel ids comes
 * later), then {@code atBoundary} runs (the runtime cuts the frame and starts the new profile
 * there), then a new sampler starts with the kept and new drivers, and opens the new ones at
 * once: each that fails is one line of the result; it is retried at its ticks with the usual
 * backoff, and the others sample on. Counters ({@link Sampler#ok} and the rest) start again.
 *
 * <p>Thread safety: {@link #start}, {@link #change} and {@link #close} are called by one thread
 * at a time (the runtime's start, its config apply, its stop); {@link #sampler()} from any.
 */
public final class LiveSensors implements AutoCloseable {
  /** A step that may fail with I/O, run between the old sampler and the new. */
  public interface Boundary {
    void run() throws IOException;
  }

  private final Buses buses;
  private final Path meterDir;
  private final Ingest ingest;
  private final Scheduler timer;
  private final Clock clock;
  private final PoleThreads threads;
  private final Map<String, SerialExecutor> executors = new ConcurrentHashMap<>();
  /** The driver of each device, with the sensors it was built for. */
  private volatile Map<String, Device> devices = new HashMap<>();
  private volatile Sampler sampler;

  private record Device(List<Sensor> sensors, SensorDriver driver) {}

  /** @param threads where each driver's samples run, one at a time ({@code mast-sensor-NAME}), and its timer the sampler's ticks */
  public LiveSensors(Buses buses, Path meterDir, Ingest ingest, Clock clock, PoleThreads threads) {
    this.threads = threads;
    this.buses = buses;
    this.meterDir = meterDir;
    this.ingest = ingest;
    this.timer = threads.timer();
    this.clock = clock;
  }

  /** Builds the drivers of {@code config} and starts sampling them; they open at their first tick. */
  public void start(DeviceConfig config, ChannelProfile profile) {
    devices = build(config, Map.of());
    sampler = new Sampler(drivers(), Set.of(), profile, ingest, timer, clock, this::executor);
    sampler.start();
  }

  /**
   * Changes to the sensors of {@code next} as the class comment says; returns one line per new
   * driver that did not open within {@code openWait} ("sim:pm: no such port").
   */
  public List<String> change(DeviceConfig next, ChannelProfile profile, Boundary atBoundary, Duration openWait)
      throws IOException {
    Map<String, Device> old = devices;
    Map<String, Device> kept = new HashMap<>();
    Map<String, List<Sensor>> wanted = DriverCatalog.devices(next);
    for (Map.Entry<String, List<Sensor>> e : wanted.entrySet()) {
      Device d = old.get(e.getKey());
      if (d != null && d.sensors().equals(e.getValue())) {
        kept.put(e.getKey(), d);
      }
    }
    Set<SensorDriver> keep = new HashSet<>();
    kept.values().forEach(d -> keep.add(d.driver()));
    Set<SensorDriver> open = sampler.handOver(keep);
    atBoundary.run();
    devices = build(next, kept);
    Sampler s = new Sampler(drivers(), open, profile, ingest, timer, clock, this::executor);
    sampler = s;
    List<String> failed;
    try {
      failed = s.openAll().get(openWait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      failed = List.of("some drivers were still opening after " + openWait.toSeconds() + " s; they sample when they are open");
    } catch (ExecutionException e) {
      failed = List.of("opening the drivers failed: " + e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failed = List.of("interrupted while the drivers opened");
    }
    s.start();
    return failed;
  }

  private Map<String, Device> build(DeviceConfig config, Map<String, Device> kept) {
    Map<String, Device> built = new java.util.LinkedHashMap<>();
    for (Map.Entry<String, List<Sensor>> e : DriverCatalog.devices(config).entrySet()) {
      Device d = kept.get(e.getKey());
      built.put(e.getKey(), d != null ? d : new Device(e.getValue(), DriverCatalog.build(e.getValue(), buses, meterDir, threads)));
    }
    return built;
  }

  /** The drivers of the config in force, one per wired device. */
  public List<SensorDriver> drivers() {
    List<SensorDriver> list = new ArrayList<>();
    devices.values().forEach(d -> list.add(d.driver()));
    return list;
  }

  /** The driver sampling sensor {@code sensorId} of the config in force, if there is one. */
  public java.util.Optional<SensorDriver> driverOf(String sensorId) {
    for (Device d : devices.values()) {
      if (d.sensors().stream().anyMatch(s -> s.getId().equals(sensorId))) {
        return java.util.Optional.of(d.driver());
      }
    }
    return java.util.Optional.empty();
  }

  /** The sampler in force: its counters are since the last change. */
  public Sampler sampler() {
    return sampler;
  }

  private SerialExecutor executor(String driverName) {
    return executors.computeIfAbsent(driverName, n -> threads.serial("mast-sensor-" + n, Integer.MAX_VALUE));
  }

  /** Stops sampling (after samples in progress), closes every driver, stops the sensor threads (bounded waits). */
  @Override
  public void close() {
    Sampler s = sampler;
    if (s != null) {
      s.close();
    }
    executors.values().forEach(SerialExecutor::shutdown);
    for (SerialExecutor e : executors.values()) {
      try {
        e.awaitIdle(Duration.ofSeconds(3));
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
      }
    }
  }
}

package io.mast.runtime;

import io.mast.config.model.DeviceConfig;
import io.mast.drivers.Buses;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.ControlRefusedException;
import io.mast.runtime.agent.ConfigAgent;
import io.mast.runtime.console.ConsoleService;
import io.mast.runtime.core.Pole;
import io.mast.runtime.core.PoleCore;
import io.mast.runtime.ota.OtaAgent;
import io.mast.runtime.sampling.LiveSensors;
import io.mast.runtime.sampling.Sampler;
import io.mast.runtime.uplink.Link;
import io.mast.runtime.uplink.Uplink;
import io.mast.seams.DurableFiles;
import io.mast.seams.PoleThreads;
import io.mast.seams.Scheduler;
import io.mast.store.StoreStats;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The process that runs on every pole, composed: the core ({@link PoleCore}: sampling, alarms,
 * the store, the uplink, health) and the agents that manage it (the config agent, the
 * technician's console, the OTA agent), each given the core as the narrow {@link Pole} port and
 * the other agents it works with, and handed to the core as things it stops in order. This class
 * is composition and ordered start only: it adds no behaviour of its own, and no agent holds it.
 *
 * <p>Start order: the core (store, uplink connecting, timer), the config agent, the console, then
 * the input (sensors or a replay); the OTA agent when {@link #startOta} is called. {@link #close()}
 * stops the agents in reverse, then the core's parts (see {@link PoleCore}).
 */
public final class EdgeRuntime implements Pole, AutoCloseable {
  /**
   * What to run.
   *
   * @param config the effective device config
   * @param stateDir where the store and meter journals go; null for the config's
   * @param buses the board; null with a replay
   * @param replay readings CSV replacing sampled values, with {@code replayProfile} as the profile
   * @param speed replay speed over real time; 0 as fast as the pipeline goes
   * @param durationS stop after this much simulated time; negative for no limit
   * @param files the file layer of every state file (a fleet of poles in one JVM shares a pool of descriptors)
   */
  public record Options(DeviceConfig config, String deviceId, List<String> brokers, Path stateDir, Buses buses,
      Path replay, ChannelProfile replayProfile, double speed, long durationS, String version, DurableFiles files) {

    /** On the local file system ({@link DurableFiles#real}), as a pole runs. */
    public Options(DeviceConfig config, String deviceId, List<String> brokers, Path stateDir, Buses buses,
        Path replay, ChannelProfile replayProfile, double speed, long durationS, String version) {
      this(config, deviceId, brokers, stateDir, buses, replay, replayProfile, speed, durationS, version, DurableFiles.real());
    }

    PoleCore.Options core() {
      return new PoleCore.Options(config, deviceId, brokers, stateDir, buses, replay, replayProfile, speed, durationS, version, files);
    }
  }

  /** How long the sampling timer may go without running its heartbeat before it counts as stuck. */
  public static final Duration TIMER_STUCK = PoleCore.TIMER_STUCK;

  private final PoleCore core;
  private final ConfigAgent agent;
  private final ConsoleService console;
  /** The OTA agent once {@link #startOta} ran; the console reads it for {@code ota status}. */
  private final AtomicReference<OtaAgent> ota;

  private EdgeRuntime(PoleCore core, ConfigAgent agent, ConsoleService console, AtomicReference<OtaAgent> ota) {
    this.core = core;
    this.agent = agent;
    this.console = console;
    this.ota = ota;
  }

  /** Starts everything on the system clock with a timer thread of its own; returns at once. */
  public static EdgeRuntime start(Options o) throws IOException {
    return start(o, Clock.systemUTC(), Scheduler.newThread("mast-timer"));
  }

  /**
   * Starts everything with {@code clock} and {@code timer} (batch windows, health, sampling
   * ticks, the agents' timeouts, the end of a {@code --duration}); returns at once. The runtime
   * closes the timer.
   */
  public static EdgeRuntime start(Options o, Clock clock, Scheduler timer) throws IOException {
    return start(o, clock, PoleThreads.own(timer));
  }

  /**
   * Starts everything on {@code threads}: the pole's own, closed when it stops, or threads shared
   * by many poles in this JVM ({@link PoleThreads#shared}), which it leaves running.
   */
  public static EdgeRuntime start(Options o, Clock clock, PoleThreads threads) throws IOException {
    PoleCore core = PoleCore.open(o.core(), clock, threads);
    Scheduler timer = threads.timer();
    EdgeRuntime r;
    try {
      ConfigAgent agent = ConfigAgent.start(core, core.configStore(), core.stateRoot().resolve("config"), clock, timer);
      core.addAgent("the config agent", agent);
      AtomicReference<OtaAgent> ota = new AtomicReference<>();
      ConsoleService console = ConsoleService.start(core, agent, ota::get, core.stateRoot().resolve("console"), clock, timer);
      core.addAgent("the console", console);
      r = new EdgeRuntime(core, agent, console, ota);
    } catch (IOException | RuntimeException e) {
      core.close();
      throw e;
    }
    core.startInput();
    return r;
  }

  @Override
  public DurableFiles files() {
    return core.files();
  }

  /** The config agent (platform pushes, technician edits). */
  public ConfigAgent configAgent() {
    return agent;
  }

  /** The technician's console: attach transports to it (serial port, socket, terminal). */
  public ConsoleService console() {
    return console;
  }

  /**
   * Starts the OTA agent ({@code STATE/ota}); {@code slotRoot} is the launcher's root (slots and
   * boot pointer, {@code MAST_ROOT}), or null when this Mast was not started by the launcher: it
   * then downloads and verifies offers but installs nothing. Stopped with the runtime.
   */
  public OtaAgent startOta(Path slotRoot) throws IOException {
    return startOta(slotRoot, null, OtaAgent.TRIAL_DEADLINE);
  }

  /**
   * As {@link #startOta(Path)}, running from slot {@code runningSlot} (the launcher's
   * {@code MAST_SLOT}; null: the boot pointer's active slot) with a trial deadline of {@code trialDeadline}.
   */
  public OtaAgent startOta(Path slotRoot, String runningSlot, Duration trialDeadline) throws IOException {
    return startOta(slotRoot, runningSlot, trialDeadline, core.files());
  }

  /** As {@link #startOta(Path, String, Duration)}, writing through {@code files} (tests inject faults there). */
  public synchronized OtaAgent startOta(Path slotRoot, String runningSlot, Duration trialDeadline, DurableFiles files) throws IOException {
    if (ota.get() == null) {
      OtaAgent started = OtaAgent.start(core, agent, core.stateRoot().resolve("ota"), slotRoot, runningSlot, trialDeadline,
          core.clock(), core.timer(), files);
      core.addAgent("the OTA agent", started);
      ota.set(started);
    }
    return ota.get();
  }

  /** The OTA agent, or null before {@link #startOta}. */
  public OtaAgent ota() {
    return ota.get();
  }

  /** Where the ring store of {@code config} lives: under {@code stateDir} when given, else the config's {@code store.dir}. */
  public static Path storeDir(DeviceConfig config, Path stateDir) {
    return PoleCore.storeDir(config, stateDir);
  }

  /** Builds the profile of a config's sensors: one channel per sensor, ids in config order. */
  public static ChannelProfile profileOf(DeviceConfig c) {
    return PoleCore.profileOf(c);
  }

  // What follows is the core's, as the pole's own API (mast run, the tests, the benchmarks).

  @Override
  public PoleThreads threads() {
    return core.threads();
  }

  @Override
  public io.mast.runtime.health.ControlGate gate() {
    return core.gate();
  }

  /** The timer that drives sampling, the batch windows and the agents' timeouts (one thread). */
  public Scheduler timer() {
    return core.timer();
  }

  /** Starts the sampling timer's heartbeat, for a supervisor's watchdog ({@link #stuck()}). */
  public void watchLiveness() {
    core.watchLiveness();
  }

  /** What of the runtime's own work has stopped; empty when all of it turns. */
  public List<String> stuck() {
    return core.stuck();
  }

  /** Completes with why once a restart was asked for. */
  public CompletableFuture<String> restartRequested() {
    return core.restartRequested();
  }

  /** Where this runtime keeps its state. */
  public Path stateRoot() {
    return core.stateRoot();
  }

  /** Whether every stored record is acknowledged and the input has ended. */
  public boolean finished() {
    return core.finished();
  }

  /** Waits until {@link #finished()} or {@code timeout}; returns whether it finished. */
  public boolean awaitEnd(Duration timeout) throws InterruptedException {
    return core.awaitEnd(timeout);
  }

  /** Whether this run ends by itself (replay or duration). */
  public boolean ends() {
    return core.ends();
  }

  @Override
  public ChannelProfile profile() {
    return core.profile();
  }

  @Override
  public String deviceId() {
    return core.deviceId();
  }

  @Override
  public String version() {
    return core.version();
  }

  @Override
  public LiveSensors sensors() {
    return core.sensors();
  }

  @Override
  public Sampler sampler() {
    return core.sampler();
  }

  @Override
  public StoreStats storeStats() throws IOException {
    return core.storeStats();
  }

  @Override
  public void requestRestart(String why) {
    core.requestRestart(why);
  }

  @Override
  public DeviceConfig config() {
    return core.config();
  }

  @Override
  public void confirmed(boolean yes) {
    core.confirmed(yes);
  }

  @Override
  public Applied apply(DeviceConfig next) throws ControlRefusedException, IOException {
    return core.apply(next);
  }

  @Override
  public Snapshot snapshot() throws IOException {
    return core.snapshot();
  }

  @Override
  public long uptimeMillis() {
    return core.uptimeMillis();
  }

  @Override
  public Link link() {
    return core.link();
  }

  @Override
  public Uplink.Stats uplinkStats() {
    return core.uplinkStats();
  }

  /** Stops the agents in reverse order, then the core (see {@link PoleCore#close()}). Idempotent. */
  @Override
  public void close() {
    core.close();
  }
}

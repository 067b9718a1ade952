// PoleCore is over 400 lines on purpose: it holds the core's parts and implements the whole Pole
// port over them; every other reason to change has a class of its own (see the class comment).
package io.mast.runtime.core;

import io.mast.config.ConfigStore;
import io.mast.config.DeviceConfigs;
import io.mast.config.Validation;
import io.mast.config.model.DeviceConfig;
import io.mast.drivers.Buses;
import io.mast.drivers.DriverCatalog;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.ControlRefusedException;
import io.mast.protocol.StatusMessage;
import io.mast.runtime.alarm.AlarmRules;
import io.mast.runtime.health.ControlGate;
import io.mast.runtime.health.HealthReport;
import io.mast.runtime.replay.ReplayFeed;
import io.mast.runtime.sampling.Ingest;
import io.mast.runtime.sampling.LiveSensors;
import io.mast.runtime.sampling.Sampler;
import io.mast.runtime.uplink.Link;
import io.mast.runtime.uplink.ProfileHistory;
import io.mast.runtime.uplink.Uplink;
import io.mast.runtime.uplink.UplinkSettings;
import io.mast.seams.DurableFiles;
import io.mast.seams.PoleThreads;
import io.mast.seams.Scheduler;
import io.mast.store.RingStore;
import io.mast.store.StoreStats;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.tinylog.Logger;

/**
 * The core of the process that runs on every pole, wired: drivers sampled by the {@link Sampler}
 * (or a {@link ReplayFeed}) into the ring store through {@link Ingest}, alarm rules on the way in,
 * the {@link Uplink} sending frames and moving the store's cursors on PUBACK, a frame cut at every
 * batch window, a health heartbeat. It offers its agents the {@link Pole} port and knows them only
 * as things it stops ({@link #addAgent}); the composition ({@code EdgeRuntime}) makes them.
 *
 * <p><b>Stopping.</b> {@link #close()} stops sampling, writes a frame cut and, while the link is
 * up, waits a bounded time for it to be acknowledged; then it closes the uplink (retained
 * {@code OFFLINE}, DISCONNECT), runs a last group commit and closes the store. A run with an end
 * ({@code --duration} or a replay) waits in {@link #awaitEnd} until every stored record is
 * acknowledged; waits are woken by acknowledgements, never by polling.
 *
 * <p><b>A new config, live</b> ({@link #apply}): {@link LiveApply} changes the running parts in
 * the order it states; this class keeps the config in force and tells health and the birth status.
 *
 * <p><b>Why it is over 400 lines.</b> It is the one place that holds the parts'
 * references, the config in force and what was started, and it implements the whole
 * {@link Pole} port over them (most of its methods are one-line reads). Each reason to change
 * beyond that has a class of its own: {@link LiveApply} (a config, live), {@link Cuts} (frame
 * cuts), {@link Windows} (the periodic chains), {@link Progress} (acknowledgements and the input's
 * end), {@link Liveness} (the watchdog's facts), {@link ReplayInput}, {@link Lifetimes} (stopping
 * in reverse) and {@link Channels} (a config's channels).
 *
 * <p>Threads are listed in {@code edge-runtime/CONCURRENCY.md}.
 */
public final class PoleCore implements Pole, AutoCloseable {
  /**
   * What to run.
   *
   * @param config the effective device config
   * @param stateDir where the store and meter journals go; null for the config's
   * @param buses the board; null with a replay
   * @param replay readings CSV replacing sampled values, with {@code channels} as the profile
   * @param speed replay speed over real time; 0 as fast as the pipeline goes
   * @param durationS stop after this much simulated time; negative for no limit
   * @param files the file layer of the store and every state file
   */
  public record Options(DeviceConfig config, String deviceId, List<String> brokers, Path stateDir, Buses buses,
      Path replay, ChannelProfile replayProfile, double speed, long durationS, String version, DurableFiles files) {}



  /** How long {@link #apply} waits for new drivers to open before it reports them. */
  public static final Duration OPEN_WAIT = Duration.ofSeconds(5);

  /** How long {@link #close()} waits for the last frames' acknowledgements while the link is up. */
  public static final Duration DRAIN_WAIT = Duration.ofSeconds(10);

  private final Options options;
  private final Clock clock;
  private final Path stateRoot;
  private final RingStore store;
  private final ProfileHistory profiles;
  private final Uplink uplink;
  private final Ingest ingest;
  private final Scheduler timer;
  private final PoleThreads threads;
  private final LiveSensors sensors;
  private final HealthReport health;
  private final ControlGate gate = new ControlGate(System::nanoTime);
  private final ConfigStore configs;
  private final java.util.concurrent.CompletableFuture<String> restart = new java.util.concurrent.CompletableFuture<>();
  /** The effective config in force; replaced by {@link #apply}. */
  private volatile DeviceConfig config;
  /** The brokers in force: {@code --broker}'s while the config names the brokers it started with, else none (the config's). */
  private volatile List<String> brokers;
  private volatile boolean confirmed = true;
  private final Windows windows;
  private final Cuts cuts;
  private final LiveApply live;
  private final Progress progress;
  private final Liveness liveness;
  /** What was started, in order; {@link #close()} stops them in reverse. */
  private final Lifetimes started = new Lifetimes();
  private final long startNanos = System.nanoTime();
  private final long startedAt;
  private volatile ReplayInput replay;
  private volatile boolean closed;
  private volatile Snapshot last;

  /**
   * Wires and starts the parts in their order: the store, the profile history (a new profile
   * after a cut when the config's channels differ from the last run's), the uplink (connecting
   * takes the longest part of starting, Paho alone waits 300 ms for its threads, and needs only
   * the store: it goes on while the drivers open), the last frame's send, the timer, the input
   * (the sensors or a replay). A failure stops what was started, in reverse.
   */
  private PoleCore(Options o, Clock clock, PoleThreads threads) throws IOException {
    this.options = o;
    this.clock = clock;
    this.threads = threads;
    this.timer = threads.timer();
    if (!threads.shared()) {
      started("the pole's threads", threads); // first in, last out: the store's syncs and the uplink's turns run on them
    }
    this.startedAt = clock.millis();
    Path storeDir = storeDir(DeviceConfigs.effective(o.config()), o.stateDir());
    this.stateRoot = o.stateDir() != null ? o.stateDir() : storeDir.toAbsolutePath().getParent();
    this.configs = ConfigStore.open(stateRoot.resolve("config"), o.files(), Validation.Mode.DRY_RUN);
    DeviceConfig chosen = DeviceConfigs.effective(chooseConfig(configs, o.config()));
    // the id given (--device-id) is the pole's id everywhere, the config's identity included
    DeviceConfig c = chosen.toBuilder().setIdentity(chosen.getIdentity().toBuilder().setDeviceId(o.deviceId())).build();
    this.config = c;
    this.brokers = o.brokers() == null ? List.of() : List.copyOf(o.brokers());
    ChannelProfile profile = o.replay() != null ? o.replayProfile() : profileOf(c);
    try {
      this.store = RingStore.builder(storeDir)
          .files(o.files())
          .capacityBytes(c.getStore().getCapacityBytes())
          .syncInterval(Duration.ofMillis(c.getStore().getSyncIntervalMs()))
          .scheduler(threads.storeSync())
          .open();
      started("the store", store);
      this.progress = new Progress(store);
      this.profiles = ProfileHistory.open(o.files(), stateRoot.resolve("profiles"), profile);
      this.ingest = new Ingest(store, new AlarmRules(c.getAlarmsList(), profile),
          Ingest.recordLimit(c.getUplink().getMaxFrameBytes()), this::wakeUplink);
      if (!profiles.current().equals(profile)) {
        Logger.info("runtime: the channels changed since the last run (profile {} -> {}); stored records keep theirs",
            profiles.current().hexId(), profile.hexId());
        ingest.newProfile((r, a) -> addProfile(r, a, profile), new AlarmRules(c.getAlarmsList(), profile));
      }
      this.uplink = new Uplink(UplinkSettings.of(c, o.deviceId(), brokers), store, profiles, c.getUplink().getMaxFrameBytes(),
          status(StatusMessage.State.ONLINE), status(StatusMessage.State.OFFLINE), clock, new java.util.Random(), progress::moved,
          threads.serial("mast-uplink", 2).onError(e -> gate.fault("mast-uplink", e)), threads.ticks());
      uplink.onOversized(gate::oversized);
      uplink.mqttExecutor(threads.mqtt());
      uplink.budgetLedger(o.files(), stateRoot.resolve("uplink-budget"));
      uplink.admit(gate::admit);
      uplink.start();
      started("the uplink", uplink);
      this.cuts = new Cuts(ingest, store, uplink, this::sampler, progress);
      started("the last frame", () -> cuts.lastFrame(DRAIN_WAIT));
      started("the timer", threads.shared() ? () -> { } : timer);
      this.health = new HealthReport(clock, o.version(), c.getVersion(), profile, Channels.modemChannels(c));
      this.windows = new Windows(timer, () -> closed, cuts::window, this::sendHealth);
      this.liveness = new Liveness(timer, () -> closed, uplink, store, gate);
      flushGate();
      if (o.replay() == null) {
        Path meterDir = o.stateDir() != null ? o.stateDir().resolve("meters") : DriverCatalog.meterDir(c);
        this.sensors = new LiveSensors(o.buses(), meterDir, ingest, clock, threads);
        started("the sensors", sensors);
      } else {
        this.sensors = null;
        started("the replay", () -> {
          if (replay != null) {
            replay.close();
          }
        });
      }
      this.live = new LiveApply(o.deviceId(), o.replay() != null, store, profiles, ingest, sensors, uplink, windows, this::addProfile,
          c.getUplink().getBrokerUrisList(), brokers);
    } catch (IOException | RuntimeException e) {
      stopAll();
      throw e;
    }
  }

  /**
   * The config to start with: the config store's (a push from the platform, a technician's
   * edit) when its version is at least the given file's; otherwise the file's, which the store
   * then takes (an integrator's or technician's newer file wins).
   */
  private static DeviceConfig chooseConfig(ConfigStore configs, DeviceConfig file) throws IOException {
    DeviceConfig stored = configs.current();
    if (stored != null && Long.compareUnsigned(stored.getVersion(), file.getVersion()) >= 0) {
      if (!stored.equals(file)) {
        Logger.info("runtime: config version {} from the config store is in force (the file given has version {})",
            Long.toUnsignedString(stored.getVersion()), Long.toUnsignedString(file.getVersion()));
      }
      return stored;
    }
    configs.adopt(file);
    return file;
  }

  private void wakeUplink() {
    Uplink u = uplink;
    if (u != null) {
      u.wake();
    }
  }

  private void addProfile(long fromRecord, long fromAlarm, ChannelProfile profile) throws IOException {
    StoreStats s = store.stats();
    profiles.add(fromRecord, fromAlarm, profile, s.readings().ackedSeq(), s.alarms().ackedSeq());
  }

  private void started(String what, AutoCloseable stop) {
    started.add(what, stop);
  }

  /** Where the ring store of {@code config} lives: under {@code stateDir} when given, else the config's {@code store.dir}. */
  public static Path storeDir(DeviceConfig config, Path stateDir) {
    return stateDir != null ? stateDir.resolve("store") : Path.of(config.getStore().getDir());
  }

  /**
   * Opens the core with {@code clock} and {@code timer} (batch windows, health, sampling ticks,
   * the end of a {@code --duration}): the store, the profile history, the uplink (connecting), the
   * timer's windows. The input does not run yet: whoever composes the pole adds its agents
   * ({@link #addAgent}), then calls {@link #startInput}. The core closes the timer.
   */
  public static PoleCore open(Options o, Clock clock, Scheduler timer) throws IOException {
    return open(o, clock, PoleThreads.own(timer));
  }

  /**
   * Opens the core on {@code threads}: its own (closed when it stops) or shared with other poles
   * in this JVM (left running for the next; their maker closes them).
   */
  public static PoleCore open(Options o, Clock clock, PoleThreads threads) throws IOException {
    PoleCore core = new PoleCore(o, clock, threads);
    core.windows.schedule(core.config, true);
    return core;
  }

  /**
   * Adds an agent (the config agent, the console, the OTA agent...) to what this core stops:
   * agents are closed before the parts they use, in the reverse of the order they were added.
   * The core knows them by this and nothing else.
   */
  public synchronized void addAgent(String what, AutoCloseable agent) {
    if (closed) {
      throw new IllegalStateException("the pole is closed; " + what + " is not added");
    }
    started(what, agent);
  }

  /**
   * Starts the input: the sensors sampling on the config in force (and the end of a
   * {@code --duration}), or the replay. On failure everything is closed, agents included.
   */
  public void startInput() throws IOException {
    if (sensors != null) {
      try {
        sensors.start(config, profiles.current());
      } catch (RuntimeException e) {
        close();
        throw e;
      }
      if (options.durationS() >= 0) {
        // the end waits for samples in progress and an fsync: not on the timer's thread
        timer.schedule(Duration.ofSeconds(options.durationS()), () -> onItsOwnThread("mast-end-of-input", cuts::endOfInput));
      }
    } else {
      replay = new ReplayInput(options.replay(), profiles.current(), ingest, options.speed(), options.durationS(), () -> closed,
          cuts::endOfInput);
      replay.start();
    }
  }

  /** The config store (for the config agent the composition starts). */
  public ConfigStore configStore() {
    return configs;
  }

  /** The clock this core runs on. */
  public Clock clock() {
    return clock;
  }

  private void onItsOwnThread(String name, Runnable task) {
    Thread t = new Thread(task, name);
    t.setDaemon(true);
    t.start();
  }

  @Override
  public ChannelProfile profile() {
    return profiles.current();
  }

  @Override
  public String deviceId() {
    return options.deviceId();
  }



  /** The timer that drives sampling, the batch windows and the agents' timeouts (one thread). */
  public Scheduler timer() {
    return timer;
  }

  @Override
  public PoleThreads threads() {
    return threads;
  }

  @Override
  public DurableFiles files() {
    return options.files();
  }

  @Override
  public ControlGate gate() {
    return gate;
  }

  /** Every minute: the gate says what it held back (one line per reason, with the count). */
  private void flushGate() {
    if (!closed) {
      gate.flush();
      timer.schedule(io.mast.seams.QuietLog.QUIET, this::flushGate);
    }
  }

  /** How long the sampling timer may go without running its heartbeat before it counts as stuck. */
  public static final Duration TIMER_STUCK = Liveness.TIMER_STUCK;

  /**
   * Starts a heartbeat on the timer that drives sampling (every second), so {@link #stuck()} can
   * tell whether sampling still runs. For a supervisor's watchdog (systemd's, under {@code mast run}).
   */
  public void watchLiveness() {
    liveness.watch();
  }

  /**
   * What of the runtime's own work has stopped, empty when all of it turns: the sampling timer
   * (its heartbeat, after {@link #watchLiveness}), the uplink loop, the store's group commit.
   * A watchdog pings only while this is empty. Any thread.
   */
  public List<String> stuck() {
    return liveness.stuck();
  }

  @Override
  public String version() {
    return options.version();
  }

  @Override
  public LiveSensors sensors() {
    return sensors;
  }

  @Override
  public Sampler sampler() {
    return sensors == null ? null : sensors.sampler();
  }

  @Override
  public StoreStats storeStats() throws IOException {
    return store.stats();
  }

  @Override
  public void requestRestart(String why) {
    Logger.info("runtime: restart requested by {}", why);
    restart.complete(why);
    progress.moved();
  }

  /** Completes with why once a restart was asked for. */
  public java.util.concurrent.CompletableFuture<String> restartRequested() {
    return restart;
  }

  @Override
  public DeviceConfig config() {
    return config;
  }

  /** Where this runtime keeps its state (the store's parent, or the state directory given). */
  public Path stateRoot() {
    return stateRoot;
  }

  @Override
  public void confirmed(boolean yes) {
    confirmed = yes;
    announceConfig();
  }

  private void announceConfig() {
    DeviceConfig c = config;
    health.config(c.getVersion(), confirmed, profiles.current(), Channels.modemChannels(c));
    uplink.status(status(StatusMessage.State.ONLINE), status(StatusMessage.State.OFFLINE));
  }

  /**
   * Applies {@code next} (valid, its version checked by the caller) to the running parts, in the
   * order {@link LiveApply} states, then keeps it as the config in force and says so in health and
   * the birth status (not yet confirmed: the config agent confirms it).
   *
   * @throws ControlRefusedException naming every change that cannot be made live; nothing changed
   * @throws IOException if staging (TLS, password files) or writing the profile history failed;
   *     the sensors sample on under the config in force
   */
  @Override
  public synchronized Applied apply(DeviceConfig next) throws ControlRefusedException, IOException {
    if (closed) {
      throw new IOException("the runtime is stopping");
    }
    Applied applied = live.apply(config, next, (after, nextBrokers) -> {
      config = after;
      brokers = nextBrokers;
    });
    confirmed = false; // until the agent's acknowledgement reaches the broker
    announceConfig();
    Logger.info("runtime: config version {} in force; changed {}", Long.toUnsignedString(config.getVersion()),
        applied.changed().isEmpty() ? "nothing" : String.join(", ", applied.changed()));
    return applied;
  }

  /** Builds the profile of a config's sensors: one channel per sensor, ids in config order. */
  public static ChannelProfile profileOf(DeviceConfig c) {
    return Channels.profileOf(c);
  }

  private byte[] status(StatusMessage.State state) {
    return new StatusMessage(state, options.version(), startedAt / 1000, profiles.current().id(), config.getVersion(),
        confirmed).toBytes();
  }


  private void sendHealth() {
    try {
      uplink.offerHealth(health.build(store.stats(), uplink.stats(), sensors == null ? null : sensors.sampler(), gate));
    } catch (IOException e) {
      Logger.error("runtime: health report failed: {}", e.getMessage());
    }
  }

  /** True once the input has ended (replay or duration) and everything stored is acknowledged. */
  public boolean finished() {
    return progress.finished();
  }

  /** Waits until {@link #finished()}, woken by each acknowledgement; returns false if {@code timeout} passed first. */
  public boolean awaitEnd(Duration timeout) throws InterruptedException {
    return progress.await(this::finished, timeout);
  }

  /** Whether this run ends by itself (replay or duration). */
  public boolean ends() {
    return options.replay() != null || options.durationS() >= 0;
  }

  @Override
  public Snapshot snapshot() throws IOException {
    if (closed && last != null) {
      return last;
    }
    Uplink.Stats u = uplink.stats();
    StoreStats s = store.stats();
    return new Snapshot(ingest.readings(), u.framesSent(), u.framesAcked(), u.readingsAcked(), ingest.alarms(),
        u.bytesTotal(), u.state(), u.broker(), s.readings().unackedRecords() + s.alarms().unackedRecords());
  }

  @Override
  public long uptimeMillis() {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  @Override
  public Link link() {
    return uplink;
  }

  @Override
  public Uplink.Stats uplinkStats() {
    return uplink.stats();
  }

  /**
   * Stops what was started, in reverse: the input (sampling, a replay), the timer, then the last
   * frame is cut and sent (while the link is up, waiting up to {@link #DRAIN_WAIT} for everything
   * stored to be acknowledged; what is not stays in the store and goes at the next start), the
   * uplink disconnects cleanly, and the store runs a last group commit and closes. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stopAll();
  }

  private void stopAll() {
    started.stopAll(part -> {
      if (part == store && closed) {
        try {
          last = snapshot();
        } catch (IOException | RuntimeException e) {
          Logger.warn("runtime: no final figures: {}", e.getMessage());
        }
      }
    });
  }

}

package io.mast.runtime.core;

import io.mast.config.ConfigStore;
import io.mast.config.DeviceConfigs;
import io.mast.config.Validation;
import io.mast.config.model.DeviceConfig;
import io.mast.config.model.DriverKind;
import io.mast.config.model.Sensor;
import io.mast.drivers.Buses;
import io.mast.drivers.DriverCatalog;
import io.mast.protocol.Channel;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.ControlRefusedException;
import io.mast.protocol.Reading;
import io.mast.protocol.StatusMessage;
import io.mast.runtime.alarm.AlarmRules;
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
import io.mast.seams.Scheduler;
import io.mast.store.RingStore;
import io.mast.store.StoreStats;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
 * <p><b>A new config, live</b> ({@link #apply}), in this order: what cannot change while Mast
 * runs is refused whole before anything changes (device id, store directory and capacity,
 * maximum frame size, board, the sensors of a replay); the new uplink settings are staged (TLS
 * and password files read); then the sensors whose device changed restart, with a frame cut and
 * a new profile when the channels changed (records taken before it are still sent under the old
 * one: {@link ProfileHistory}); the alarm rules swap at once; the group commit interval, batch
 * window and heartbeat take their new values; the uplink reconnects when its settings changed;
 * the birth status and health carry the new version.
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
   */
  public record Options(DeviceConfig config, String deviceId, List<String> brokers, Path stateDir, Buses buses,
      Path replay, ChannelProfile replayProfile, double speed, long durationS, String version) {}



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
  private final LiveSensors sensors;
  private final HealthReport health;
  private final ConfigStore configs;
  private final java.util.concurrent.CompletableFuture<String> restart = new java.util.concurrent.CompletableFuture<>();
  /** The effective config in force; replaced by {@link #apply}. */
  private volatile DeviceConfig config;
  /** The brokers of {@code --broker}, used until a config changes {@code uplink.broker_uris}. */
  private volatile List<String> brokers;
  private volatile boolean confirmed = true;
  /** Bumped when the batch window or the heartbeat changes, so the old timer chain stops. */
  private final AtomicLong windowChain = new AtomicLong();
  private final AtomicLong healthChain = new AtomicLong();
  private final CountDownLatch fed = new CountDownLatch(1);
  /** What was started, in order; {@link #close()} stops them in reverse. */
  private final Deque<Step> started = new ArrayDeque<>();
  /** Notified when acknowledgements move, the link changes state, or the input ends. */
  private final Object progress = new Object();
  private final long startNanos = System.nanoTime();
  private final long startedAt;
  private volatile Thread replayThread;
  private volatile ReplayFeed feed;
  private volatile boolean closed;
  private volatile Snapshot last;

  /** One started part of the runtime and how to stop it. */
  private record Step(String what, AutoCloseable stop) {}

  private interface Start {
    void run() throws IOException;
  }

  /**
   * Wires and starts the parts in their order: the store, the profile history (a new profile
   * after a cut when the config's channels differ from the last run's), the uplink (connecting
   * takes the longest part of starting, Paho alone waits 300 ms for its threads, and needs only
   * the store: it goes on while the drivers open), the last frame's send, the timer, the input
   * (the sensors or a replay). A failure stops what was started, in reverse.
   */
  private PoleCore(Options o, Clock clock, Scheduler timer) throws IOException {
    this.options = o;
    this.clock = clock;
    this.timer = timer;
    this.startedAt = clock.millis();
    Path storeDir = storeDir(DeviceConfigs.effective(o.config()), o.stateDir());
    this.stateRoot = o.stateDir() != null ? o.stateDir() : storeDir.toAbsolutePath().getParent();
    this.configs = ConfigStore.open(stateRoot.resolve("config"), DurableFiles.real(), Validation.Mode.DRY_RUN);
    DeviceConfig chosen = DeviceConfigs.effective(chooseConfig(configs, o.config()));
    // the id given (--device-id) is the pole's id everywhere, the config's identity included
    DeviceConfig c = chosen.toBuilder().setIdentity(chosen.getIdentity().toBuilder().setDeviceId(o.deviceId())).build();
    this.config = c;
    this.brokers = o.brokers() == null ? List.of() : List.copyOf(o.brokers());
    ChannelProfile profile = o.replay() != null ? o.replayProfile() : profileOf(c);
    try {
      this.store = RingStore.builder(storeDir)
          .capacityBytes(c.getStore().getCapacityBytes())
          .syncInterval(Duration.ofMillis(c.getStore().getSyncIntervalMs()))
          .open();
      started("the store", store);
      this.profiles = ProfileHistory.open(DurableFiles.real(), stateRoot.resolve("profiles"), profile);
      this.ingest = new Ingest(store, new AlarmRules(c.getAlarmsList(), profile),
          Ingest.recordLimit(c.getUplink().getMaxFrameBytes()), this::wakeUplink);
      if (!profiles.current().equals(profile)) {
        Logger.info("runtime: the channels changed since the last run (profile {} -> {}); stored records keep theirs",
            profiles.current().hexId(), profile.hexId());
        ingest.newProfile((r, a) -> addProfile(r, a, profile), new AlarmRules(c.getAlarmsList(), profile));
      }
      this.uplink = new Uplink(UplinkSettings.of(c, o.deviceId(), brokers), store, profiles, c.getUplink().getMaxFrameBytes(),
          status(StatusMessage.State.ONLINE), status(StatusMessage.State.OFFLINE), clock, new java.util.Random(), this::progressed);
      uplink.start();
      started("the uplink", uplink);
      started("the last frame", this::sendLastFrame);
      started("the timer", timer);
      this.health = new HealthReport(clock, o.version(), c.getVersion(), profile, modemChannels(c));
      if (o.replay() == null) {
        Path meterDir = o.stateDir() != null ? o.stateDir().resolve("meters") : DriverCatalog.meterDir(c);
        this.sensors = new LiveSensors(o.buses(), meterDir, ingest, timer, clock);
        started("the sensors", sensors);
      } else {
        this.sensors = null;
        started("the replay", this::stopReplay);
      }
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

  /** Waits (bounded) for a step of an apply, so what follows it sees it done. */
  private static void waitFor(java.util.concurrent.CompletableFuture<Void> step, String what) {
    try {
      step.get(15, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
      Logger.warn("runtime: waited 15 s for {}; going on", what);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
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
    started.push(new Step(what, stop));
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
    PoleCore core = new PoleCore(o, clock, timer);
    core.scheduleWindows(core.config, true);
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
        timer.schedule(Duration.ofSeconds(options.durationS()), () -> onItsOwnThread("mast-end-of-input", this::endOfInput));
      }
    } else {
      startReplay();
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

  /** The batch window's cuts and the health heartbeat, on the periods of {@code c}; earlier chains stop. */
  private void scheduleWindows(DeviceConfig c, boolean atStart) {
    Duration window = Duration.ofSeconds(c.getUplink().getBatchWindowS());
    every(window, window, this::cutWindow, windowChain, windowChain.incrementAndGet());
    Duration heartbeat = Duration.ofSeconds(c.getUplink().getHealthIntervalS());
    Duration first = atStart ? Duration.ofSeconds(Math.min(10, heartbeat.toSeconds())) : heartbeat;
    every(first, heartbeat, this::sendHealth, healthChain, healthChain.incrementAndGet());
  }

  /** The profile in force (the newest). */
  @Override
  public ChannelProfile profile() {
    return profiles.current();
  }

  /** The device id the pole goes by on the wire (its topics, the audience of signed messages). */
  @Override
  public String deviceId() {
    return options.deviceId();
  }



  /** The timer that drives sampling, the batch windows and the agents' timeouts (one thread). */
  public Scheduler timer() {
    return timer;
  }

  /** System.nanoTime() of the last heartbeat on the timer that drives sampling; 0 before {@link #watchLiveness}. */
  private volatile long heartbeat;

  /** How long the sampling timer may go without running its heartbeat before it counts as stuck. */
  public static final Duration TIMER_STUCK = Duration.ofSeconds(15);

  /**
   * Starts a heartbeat on the timer that drives sampling (every second), so {@link #stuck()} can
   * tell whether sampling still runs. For a supervisor's watchdog (systemd's, under {@code mast run}).
   */
  public void watchLiveness() {
    if (heartbeat == 0) {
      beat();
    }
  }

  private void beat() {
    heartbeat = System.nanoTime();
    if (!closed) {
      timer.schedule(Duration.ofSeconds(1), this::beat);
    }
  }

  /**
   * What of the runtime's own work has stopped, empty when all of it turns: the sampling timer
   * (its heartbeat, after {@link #watchLiveness}), the uplink loop, the store's group commit.
   * A watchdog pings only while this is empty. Any thread.
   */
  public List<String> stuck() {
    List<String> out = new ArrayList<>();
    long beat = heartbeat;
    if (beat != 0 && System.nanoTime() - beat > TIMER_STUCK.toNanos()) {
      out.add("the sampling timer has not run for " + java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - beat) + " s");
    }
    String u = uplink.stuck(Duration.ofSeconds(90));
    if (u != null) {
      out.add(u);
    }
    String st = store.stuck(Duration.ofSeconds(30));
    if (st != null) {
      out.add(st);
    }
    return out;
  }


  /** The version of Mast running (for status and health). */
  @Override
  public String version() {
    return options.version();
  }

  /** The sensors of this run, or null when it replays a dataset. */
  @Override
  public LiveSensors sensors() {
    return sensors;
  }

  /** The sampler in force, or null when this run replays a dataset. */
  @Override
  public Sampler sampler() {
    return sensors == null ? null : sensors.sampler();
  }

  /** The ring store's figures now. */
  @Override
  public StoreStats storeStats() throws IOException {
    return store.stats();
  }

  /**
   * Asks whoever runs this runtime to restart it (the console's {@code restart}): completes
   * {@link #restartRequested()} with why. {@code mast run} closes the runtime, which sends what
   * is stored, and starts it again.
   */
  @Override
  public void requestRestart(String why) {
    Logger.info("runtime: restart requested by {}", why);
    restart.complete(why);
    progressed();
  }

  /** Completes with why once a restart was asked for. */
  public java.util.concurrent.CompletableFuture<String> restartRequested() {
    return restart;
  }

  /** The effective config in force. */
  @Override
  public DeviceConfig config() {
    return config;
  }

  /** Where this runtime keeps its state (the store's parent, or the state directory given). */
  public Path stateRoot() {
    return stateRoot;
  }

  /**
   * Marks the config in force confirmed (its acknowledgement reached the broker) or not (a new
   * config waits for the link guard); health and the retained birth status say which.
   */
  @Override
  public void confirmed(boolean yes) {
    confirmed = yes;
    announceConfig();
  }

  private void announceConfig() {
    DeviceConfig c = config;
    health.config(c.getVersion(), confirmed, profiles.current(), modemChannels(c));
    uplink.status(status(StatusMessage.State.ONLINE), status(StatusMessage.State.OFFLINE));
  }

  /**
   * Applies {@code next} (valid, its version checked by the caller) to the running parts, in the
   * order of the class comment.
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
    DeviceConfig before = config;
    DeviceConfig after = DeviceConfigs.effective(next);
    List<String> refused = LiveChanges.refusals(before, after, options.replay() != null);
    if (!refused.isEmpty()) {
      throw new ControlRefusedException(refused);
    }
    List<String> changed = new ArrayList<>();
    DeviceConfigs.diff(before, after).forEach(ch -> {
      if (!ch.path().equals("version")) {
        changed.add(ch.path());
      }
    });
    boolean brokersChanged = !before.getUplink().getBrokerUrisList().equals(after.getUplink().getBrokerUrisList());
    List<String> nextBrokers = brokersChanged ? List.of() : brokers;
    UplinkSettings staged = LiveChanges.uplinkChanged(before, after) ? UplinkSettings.of(after, options.deviceId(), nextBrokers) : null;
    List<String> warnings = new ArrayList<>();
    ChannelProfile profile = profiles.current();
    ChannelProfile nextProfile = options.replay() != null ? profile : profileOf(after);
    AlarmRules rules = new AlarmRules(after.getAlarmsList(), nextProfile);
    if (!before.getSensorsList().equals(after.getSensorsList())) {
      LiveSensors.Boundary boundary = nextProfile.equals(profile) ? () -> ingest.rules(rules)
          : () -> ingest.newProfile((r, a) -> addProfile(r, a, nextProfile), rules);
      warnings.addAll(sensors.change(after, nextProfile, boundary, OPEN_WAIT));
    } else if (!before.getAlarmsList().equals(after.getAlarmsList())) {
      ingest.rules(rules);
    }
    store.syncInterval(Duration.ofMillis(after.getStore().getSyncIntervalMs()));
    config = after;
    brokers = nextBrokers;
    if (before.getUplink().getBatchWindowS() != after.getUplink().getBatchWindowS()
        || before.getUplink().getHealthIntervalS() != after.getUplink().getHealthIntervalS()) {
      scheduleWindows(after, false);
    }
    if (!nextProfile.equals(profile)) {
      uplink.profileChanged();
    }
    if (staged != null) {
      waitFor(uplink.reconfigure(staged), "the uplink to take the new settings");
    } else if (LiveChanges.uplinkLimitsChanged(before, after)) {
      uplink.limits(after.getUplink().getDailyByteBudget(), after.getUplink().getBandwidthBytesPerS()); // no new connection for that
    }
    confirmed = false; // until the agent's acknowledgement reaches the broker
    announceConfig();
    Logger.info("runtime: config version {} in force; changed {}", Long.toUnsignedString(after.getVersion()),
        changed.isEmpty() ? "nothing" : String.join(", ", changed));
    return new Applied(changed, warnings);
  }

  /** Builds the profile of a config's sensors: one channel per sensor, ids in config order. */
  public static ChannelProfile profileOf(DeviceConfig c) {
    List<Channel> channels = new ArrayList<>();
    for (Sensor s : c.getSensorsList()) {
      channels.add(new Channel(channels.size(), s.getChannel(), s.getUnit(), s.getExponent(), s.getIntervalS(),
          s.getCounter() ? Channel.Kind.COUNTER : Channel.Kind.GAUGE,
          s.getId() + " (" + s.getDriver().name().toLowerCase(java.util.Locale.ROOT) + ")"));
    }
    return ChannelProfile.of(channels);
  }

  private static HealthReport.ModemChannels modemChannels(DeviceConfig c) {
    int[] ids = {-1, -1, -1, -1};
    List<String> names = List.of("reg", "rsrp", "rsrq", "sinr");
    for (int i = 0; i < c.getSensorsCount(); i++) {
      Sensor s = c.getSensors(i);
      int at = names.indexOf(s.getQuantity());
      if (s.getDriver() == DriverKind.MODEM && at >= 0) {
        ids[at] = i;
      }
    }
    return new HealthReport.ModemChannels(ids[0], ids[1], ids[2], ids[3]);
  }

  private byte[] status(StatusMessage.State state) {
    return new StatusMessage(state, options.version(), startedAt / 1000, profiles.current().id(), config.getVersion(),
        confirmed).toBytes();
  }

  /** Runs {@code task} after {@code first}, then every {@code period}, while the chain's number is still {@code number}. */
  private void every(Duration first, Duration period, Runnable task, AtomicLong chain, long number) {
    timer.schedule(first, () -> {
      if (!closed && chain.get() == number) {
        task.run();
        every(period, period, task, chain, number);
      }
    });
  }

  private void cutWindow() {
    try {
      ingest.cut();
    } catch (IOException e) {
      Logger.error("runtime: writing the batch window's frame cut failed: {}", e.getMessage());
    }
  }

  private void sendHealth() {
    try {
      uplink.offerHealth(health.build(store.stats(), uplink.stats(), sensors == null ? null : sensors.sampler()));
    } catch (IOException e) {
      Logger.error("runtime: health report failed: {}", e.getMessage());
    }
  }

  private void startReplay() throws IOException {
    ReplayFeed feed = new ReplayFeed(options.replay(), profiles.current(), ingest, options.speed(), TimeUnit.NANOSECONDS::sleep);
    this.feed = feed;
    Reading resume = ingest.lastStored();
    if (resume != null) {
      Logger.info("replay: the store already holds readings up to {}; resuming after it", resume);
    }
    replayThread = new Thread(() -> {
      try {
        ReplayFeed.Result result = feed.play(resume, options.durationS());
        if (!result.exhausted() && closed) {
          return;
        }
        Logger.info("replay: {} readings fed, {} already stored, {} malformed rows skipped{}", result.fed(),
            result.resumedPast(), result.malformed(), result.firstProblem() == null ? "" : " (first: " + result.firstProblem() + ")");
      } catch (IOException e) {
        Logger.error("replay stopped: {}", e.getMessage());
      } catch (InterruptedException e) {
        return;
      }
      endOfInput();
    }, "mast-replay");
    replayThread.setDaemon(true);
    replayThread.start();
  }

  /** The input has ended: close the last frame, make it durable, let the uplink send it. */
  private void endOfInput() {
    try {
      if (sensors != null) {
        Sampler s = sensors.sampler();
        if (s != null) {
          s.close();
        }
      }
      ingest.cut();
      store.sync();
    } catch (IOException e) {
      Logger.error("runtime: closing the last frame failed: {}", e.getMessage());
    }
    uplink.wake();
    fed.countDown();
    progressed();
  }

  private void progressed() {
    synchronized (progress) {
      progress.notifyAll();
    }
  }

  /** Waits, woken by progress, until {@code done} holds or {@code timeout} passed; returns whether it holds. */
  private boolean awaitProgress(java.util.function.BooleanSupplier done, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (progress) {
      while (!done.getAsBoolean()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(progress, left);
      }
      return true;
    }
  }

  private boolean allAcknowledged() {
    try {
      StoreStats s = store.stats();
      return s.readings().ackedSeq() >= s.readings().lastSeq() && s.alarms().ackedSeq() >= s.alarms().lastSeq();
    } catch (IOException e) {
      return false;
    }
  }

  /** True once the input has ended (replay or duration) and everything stored is acknowledged. */
  public boolean finished() {
    return fed.getCount() == 0 && allAcknowledged();
  }

  /** Waits until {@link #finished()}, woken by each acknowledgement; returns false if {@code timeout} passed first. */
  public boolean awaitEnd(Duration timeout) throws InterruptedException {
    return awaitProgress(this::finished, timeout);
  }

  /** Whether this run ends by itself (replay or duration). */
  public boolean ends() {
    return options.replay() != null || options.durationS() >= 0;
  }

  /** Figures as of now; after {@link #close()}, as of the moment the store closed. */
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

  /** Milliseconds since start. */
  @Override
  public long uptimeMillis() {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  /** The MQTT connection, for the agents (config, console, OTA). */
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
    while (!started.isEmpty()) {
      Step step = started.pop();
      if (step.stop() == store && closed) {
        try {
          last = snapshot();
        } catch (IOException | RuntimeException e) {
          Logger.warn("runtime: no final figures: {}", e.getMessage());
        }
      }
      try {
        step.stop().close();
      } catch (Exception e) {
        Logger.error("runtime: stopping {} failed: {}", step.what(), e.getMessage());
      }
    }
  }

  private void stopReplay() {
    Thread replay = replayThread;
    if (replay != null) {
      feed.stop();
      try {
        replay.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The open window's frame: cut, made durable, and sent while the link is up (bounded). */
  private void sendLastFrame() {
    try {
      ingest.cut();
      store.sync();
      uplink.wake();
      if (uplink.stats().state() == Link.State.CONNECTED
          && !awaitProgress(() -> allAcknowledged() || uplink.stats().state() != Link.State.CONNECTED, DRAIN_WAIT)) {
        Logger.info("runtime: stopping with frames still unacknowledged after {} s; they stay in the store", DRAIN_WAIT.toSeconds());
      }
    } catch (IOException | RuntimeException e) {
      Logger.warn("runtime: no frame cut at shutdown: {}", e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

package io.mast.runtime.agent;

import io.mast.config.ConfigException;
import io.mast.config.ConfigStore;
import io.mast.config.model.DeviceConfig;
import io.mast.config.model.Trust;
import io.mast.config.model.TrustedKey;
import io.mast.protocol.ConfigAckMessage;
import io.mast.protocol.ConfigAckMessage.Result;
import io.mast.protocol.ConfigSetMessage;
import io.mast.protocol.ControlRefusedException;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.SignedControl;
import io.mast.protocol.Topics;
import io.mast.protocol.TrustUpdateMessage;
import io.mast.protocol.TrustedKeys;
import io.mast.runtime.core.Pole;
import io.mast.runtime.uplink.Link;
import io.mast.seams.DurableFiles;
import io.mast.seams.Scheduler;
import io.mast.seams.TwoSlotFile;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/**
 * The pole's config agent: takes configs pushed by the platform (topic {@code c} of the device
 * and of each of its groups) or edited by a technician, applies them live, acknowledges them on
 * {@code ca}, and reverts a config by itself when it cuts the pole off.
 *
 * <p><b>A push</b>, in this order, each step only when the one before held: the envelope is
 * verified ({@link SignedControl}: at most {@value ConfigSetMessage#MAX_ENVELOPE_BYTES} bytes, a
 * trusted key, the signature over the exact body, then type, target and validity against the
 * pole's time, which never goes below the persisted clock floor, the newest issue time verified;
 * a clock behind that floor or before this release, as on a board without a real-time clock that
 * has not learned the time, cannot call a message "not valid yet", but expired stays expired); its version must be newer than
 * every version this pole has taken (reverted ones too); the config must parse and validate
 * ({@link ConfigCandidate}); the runtime must be able to take it live ({@link Pole#apply}).
 * Any refusal is acknowledged {@code REJECTED} with every reason, and nothing changed. A retained
 * push seen again (at every connect) is ignored when it is the config in force or pending.
 *
 * <p><b>Commit protocol of an apply</b>: the pending version is written to the guard state first,
 * then the runtime takes the config, then the config store writes it (current/previous), then
 * {@code APPLIED} goes out. A power cut before the store's write leaves the old config in force
 * and the pending version is dropped at the next start; after it, the new config runs and the
 * guard resumes, with its full grace period.
 *
 * <p><b>The link guard.</b> A config is pending until its {@code APPLIED} acknowledgement reached
 * the broker (its PUBACK). If that has not happened within the grace period (the push's, default
 * {@value ConfigSetMessage#DEFAULT_GRACE_S} s), the previous config is applied and stored again,
 * the uplink reconnects with it, and {@code REVERTED} says why. Health and the birth status say
 * whether the config in force is confirmed.
 *
 * <p><b>Threads.</b> Arriving messages are handed by Paho's thread to the agent's own thread
 * ({@code mast-config}, a queue of {@value #QUEUE}; more are dropped and counted); everything
 * else runs there too: acknowledgements' completions and the guard's timer only queue work.
 */
public final class ConfigAgent implements AutoCloseable {
  /** Messages that may wait for the agent's thread; a burst beyond is dropped and counted. */
  public static final int QUEUE = 4;
  /** How long after a failed acknowledgement it is sent again. */
  static final Duration ACK_RETRY = Duration.ofSeconds(5);

  private final Pole runtime;
  private final Link link;
  private final ConfigStore store;
  private final TwoSlotFile stateFile;
  private final Path statePath;
  private final Clock clock;
  private final Scheduler timer;
  private final ThreadPoolExecutor worker;
  private final List<Link.Subscription> subscriptions = new ArrayList<>();
  private List<String> subscribed = List.of();
  private volatile GuardState state;
  private long guard;
  /** The APPLIED acknowledgement of the pending config while it waits for the link; withdrawn by a revert. */
  private CompletableFuture<Void> pendingAck;
  private byte[] lastIgnored;
  private volatile long dropped;
  private volatile long handled;
  private volatile Guard armed;
  private final java.util.concurrent.atomic.AtomicInteger queuedPushes = new java.util.concurrent.atomic.AtomicInteger();
  private volatile boolean closed;

  private ConfigAgent(Pole runtime, ConfigStore store, TwoSlotFile stateFile, Path statePath, GuardState state,
      Clock clock, Scheduler timer) {
    this.runtime = runtime;
    this.link = runtime.link();
    this.store = store;
    this.stateFile = stateFile;
    this.statePath = statePath;
    this.state = state;
    this.clock = clock;
    this.timer = timer;
    // the agent's own work (acknowledgements, the guard) is never dropped; arriving pushes are
    // bounded by queuedPushes instead
    this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, "mast-config");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Starts the agent of {@code runtime}, whose config is {@code store}'s current one; its state
   * goes beside the store. A config left pending by a power cut is guarded again.
   */
  public static ConfigAgent start(Pole runtime, ConfigStore store, Path dir, Clock clock, Scheduler timer)
      throws IOException {
    Path path = dir.resolve("agent.state");
    TwoSlotFile file = GuardState.open(DurableFiles.real(), path);
    if (file.opened().lost()) {
      Logger.warn("config: {} was damaged; the clock floor and version history start again", path);
    }
    ConfigAgent agent = new ConfigAgent(runtime, store, file, path, GuardState.read(file.opened(), path), clock, timer);
    agent.worker.execute(agent::resume);
    agent.subscribe();
    return agent;
  }

  /** After a restart: a pending config still in force is guarded again, one never stored is forgotten. */
  private void resume() {
    if (!state.pending()) {
      return;
    }
    DeviceConfig current = store.current();
    if (current != null && current.getVersion() == state.pendingVersion()) {
      Logger.info("config: version {} was pending at the last stop; guarding it again for {} s",
          Long.toUnsignedString(state.pendingVersion()), state.pendingGraceS());
      save(state.took(state.pendingVersion()));
      runtime.confirmed(false);
      startGuard(state.pendingVersion(), state.pendingGraceS());
      acknowledge(new ConfigAckMessage(state.pendingVersion(), Result.APPLIED, List.of(), state.pendingVersion(),
          state.pendingOrigin(), List.of(), List.of()));
    } else {
      Logger.info("config: version {} was being applied at the last stop and was never stored; the config in force stays",
          Long.toUnsignedString(state.pendingVersion()));
      save(state.settled());
    }
  }

  /** Subscribes to the config topics of the config in force, unless they are the ones subscribed already. */
  private void subscribe() {
    DeviceConfig c = runtime.config();
    Topics topics = Topics.withPrefix(c.getUplink().getTopicPrefix());
    List<String> filters = new ArrayList<>();
    filters.add(topics.topic(runtime.deviceId(), Topics.Kind.CONFIG_SET));
    c.getIdentity().getGroupsList().forEach(g -> filters.add(topics.groupTopic(g, Topics.Kind.CONFIG_SET)));
    if (filters.equals(subscribed)) {
      return;
    }
    subscribed = filters;
    subscriptions.forEach(Link.Subscription::close);
    subscriptions.clear();
    for (String f : filters) {
      subscriptions.add(link.subscribe(f, (topic, payload) -> arrived(payload)));
    }
  }

  /** On Paho's thread: hands a push to the agent's thread, or drops it when {@value #QUEUE} wait already. */
  private void arrived(byte[] payload) {
    if (payload.length == 0) {
      return; // a retained push cleared by the platform: nothing to answer
    }
    if (queuedPushes.incrementAndGet() > QUEUE) {
      queuedPushes.decrementAndGet();
      dropped++;
      Logger.warn("config: {} pushes wait already; one of {} bytes dropped ({} so far)", QUEUE, payload.length, dropped);
      return;
    }
    worker.execute(() -> {
      queuedPushes.decrementAndGet();
      onPush(payload);
    });
  }

  /** The version a technician's next edit gets: above the one in force and every one taken. */
  public long nextVersion() {
    long current = runtime.config().getVersion();
    long newest = Long.compareUnsigned(state.highest(), current) > 0 ? state.highest() : current;
    return newest + 1;
  }

  /** Messages dropped because the agent's queue was full. */
  public long dropped() {
    return dropped;
  }

  /**
   * No pole runs before this release was made: a clock earlier than this (a board without a
   * real-time clock, back at 1970 after a power cut, before it learned the time) is not trusted.
   */
  static final long EARLIEST_TRUSTED = java.time.Instant.parse("2026-01-01T00:00:00Z").getEpochSecond();

  /** The pole's time for validity checks: the clock, never below the floor or this release. Any thread. */
  public long now() {
    return Math.max(clock.instant().getEpochSecond(), Math.max(state.clockFloor(), EARLIEST_TRUSTED));
  }

  /** Whether the clock can judge that a message is from the future: it is not behind what the pole has already seen. */
  public boolean clockTrusted() {
    return clock.instant().getEpochSecond() >= Math.max(state.clockFloor(), EARLIEST_TRUSTED);
  }

  /**
   * A control message of another agent (an OTA offer, a trust update, a remote command) verified
   * with issue time {@code issuedAt}: the persisted clock floor rises to it, as for a push, so a
   * board without a real-time clock keeps what it learned of the time. Any thread.
   */
  public void sawIssued(long issuedAt) {
    if (closed) {
      return;
    }
    try {
      worker.execute(() -> {
        if (issuedAt > state.clockFloor()) {
          save(state.floor(issuedAt));
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      Logger.debug("config: closing; the clock floor stays at {}", state.clockFloor());
    }
  }

  /** The origin of an edit made by a trust update (key rotation), in its {@code ca} acknowledgement. */
  public static final String TRUST_UPDATE = "trust update";

  /**
   * A verified trust update (key rotation, signed by {@code signedBy}, a key trusted now): the
   * config in force with {@code trust.keys} replaced by {@code keys}, applied as a push is
   * (validated, stored, acknowledged on {@code ca} with origin {@value #TRUST_UPDATE}) and held by
   * the link guard: unless the broker confirms it within the default grace, the old keys are back.
   */
  public CompletableFuture<ConfigAckMessage> rotateTrust(TrustUpdateMessage keys, String signedBy) {
    Trust.Builder trust = Trust.newBuilder();
    for (TrustUpdateMessage.Key k : keys.keys()) {
      trust.addKeys(TrustedKey.newBuilder().setKeyId(k.keyId())
          .setEd25519Public(com.google.protobuf.ByteString.copyFrom(k.ed25519Public())).setConsoleChanges(k.consoleChanges()));
    }
    DeviceConfig next = runtime.config().toBuilder().setTrust(trust).setVersion(nextVersion()).build();
    Logger.info("config: a trust update signed by '{}' sets the trusted keys to {}", signedBy,
        keys.keys().stream().map(TrustUpdateMessage.Key::keyId).toList());
    return submit(next, TRUST_UPDATE, ConfigSetMessage.DEFAULT_GRACE_S);
  }

  /** Pushes handled so far, whatever became of them (applied, refused, or seen again and ignored). */
  public long handled() {
    return handled;
  }

  private void onPush(byte[] payload) {
    if (closed) {
      return;
    }
    try {
      handle(payload);
    } finally {
      handled++;
    }
  }

  private void handle(byte[] payload) {
    DeviceConfig current = runtime.config();
    SignedControl.Verified v;
    ConfigSetMessage set;
    try {
      v = SignedControl.verify(payload, ConfigSetMessage.MAX_ENVELOPE_BYTES, trusted(current), SignedControl.Type.CONFIG_SET,
          new SignedControl.Audience(runtime.deviceId(), Set.copyOf(current.getIdentity().getGroupsList())), now(), clockTrusted());
      if (v.issuedAt() > state.clockFloor()) {
        save(state.floor(v.issuedAt()));
      }
      set = ConfigSetMessage.parse(v.payload());
    } catch (ControlRefusedException e) {
      refuseOnce(payload, 0, e.reasons());
      return;
    } catch (FrameFormatException e) {
      refuseOnce(payload, 0, List.of(e.getMessage()));
      return;
    }
    long version = set.version();
    if (version == current.getVersion() && sameAsCurrent(set, v.toDevice(), current)) {
      Logger.debug("config: version {} is already in force; the retained push is not applied again", Long.toUnsignedString(version));
      return;
    }
    String stale = notNewer(version);
    if (stale != null) {
      refuseOnce(payload, version, List.of(stale + ", the newest this pole has taken"
          + (Long.compareUnsigned(state.highest(), current.getVersion()) > 0 ? " (and reverted)" : "")));
      return;
    }
    try {
      DeviceConfig next = ConfigCandidate.of(set, v.toDevice(), current);
      apply(next, set.effectiveGraceS(), ConfigAckMessage.PLATFORM);
    } catch (ControlRefusedException e) {
      refuseOnce(payload, version, e.reasons());
    }
  }

  /**
   * Why {@code version} may not be taken, or null when it is newer than every version stored here
   * (the one in force, and reverted ones). Versions are unsigned.
   */
  private String notNewer(long version) {
    long current = runtime.config().getVersion();
    long newest = Long.compareUnsigned(state.highest(), current) > 0 ? state.highest() : current;
    return Long.compareUnsigned(version, newest) > 0 ? null
        : "version " + Long.toUnsignedString(version) + " is not newer than " + Long.toUnsignedString(newest);
  }

  /** Whether a push is the config in force (a retained push seen again at a connect). */
  private static boolean sameAsCurrent(ConfigSetMessage set, boolean toDevice, DeviceConfig current) {
    try {
      return io.mast.config.DeviceConfigs.effective(ConfigCandidate.of(set, toDevice, current)).equals(current);
    } catch (ControlRefusedException e) {
      return false;
    }
  }

  /**
   * A technician's edit (the console): the same apply, guard and acknowledgement as a push, with
   * origin {@code console}; completes with the answer the platform is sent. With {@code graceS}
   * 0 the link guard does not run: for an edit that leaves the uplink and the trusted keys alone
   * (a pole whose link is down, the usual reason for a visit, would otherwise revert it); its
   * acknowledgement goes when the link is up.
   */
  public CompletableFuture<ConfigAckMessage> submit(DeviceConfig next, String origin, int graceS) {
    CompletableFuture<ConfigAckMessage> answer = new CompletableFuture<>();
    worker.execute(() -> {
      long version = next.getVersion();
      String stale = notNewer(version);
      if (stale != null) {
        answer.complete(refuse(version, origin, List.of(stale)));
        return;
      }
      try {
        answer.complete(apply(next, graceS, origin));
      } catch (ControlRefusedException e) {
        answer.complete(refuse(version, origin, e.reasons()));
      }
    });
    return answer;
  }

  /** Applies a checked config by the commit protocol of the class comment; the answer sent. */
  private ConfigAckMessage apply(DeviceConfig next, int graceS, String origin) throws ControlRefusedException {
    long version = next.getVersion();
    GuardState before = state;
    if (!save(state.pending(version, graceS, origin))) {
      throw new ControlRefusedException("the pole could not write its config state (" + statePath + "); nothing changed");
    }
    pause("pending-saved");
    Pole.Applied applied;
    try {
      applied = runtime.apply(next);
    } catch (ControlRefusedException e) {
      save(before);
      throw e;
    } catch (IOException e) {
      save(before);
      throw new ControlRefusedException("the pole could not stage the config: " + e.getMessage() + "; nothing changed");
    }
    pause("runtime-applied");
    try {
      store.apply(next);
    } catch (ConfigException e) {
      revertNow(version, "the config store refused it: " + e.getMessage());
      throw new ControlRefusedException("the config store refused it: " + e.getMessage());
    } catch (IOException e) {
      revertNow(version, "writing it failed: " + e.getMessage());
      throw new ControlRefusedException("writing the config failed (" + e.getMessage() + "); the previous config is back");
    }
    save(state.took(version));
    pause("stored");
    if (graceS == 0) {
      // a technician's edit that leaves the link alone: nothing for the link guard to prove
      save(state.settled());
      guard++;
      armed = null;
      runtime.confirmed(true);
      subscribe();
      Logger.info("config: version {} from {} applied", Long.toUnsignedString(version), origin);
    } else {
      runtime.confirmed(false);
      subscribe();
      startGuard(version, graceS);
      Logger.info("config: version {} from {} applied; waiting up to {} s for the broker to confirm it",
          Long.toUnsignedString(version), origin, graceS);
    }
    ConfigAckMessage ack = new ConfigAckMessage(version, Result.APPLIED, List.of(), version, origin, applied.changed(), applied.warnings());
    acknowledge(ack);
    pause("acknowledged");
    return ack;
  }

  /** A config waiting for its acknowledgement to reach the broker, and when the guard reverts it. */
  public record Guard(long version, java.time.Instant revertAt) {}

  /** The guard that runs, or null when the config in force is confirmed. Any thread. */
  public Guard guard() {
    return armed;
  }

  /**
   * Fault injection for the power-cut tests: with the system property {@value #PAUSE_PROPERTY}
   * set to a step's name (pending-saved, runtime-applied, stored, acknowledged), the agent says so
   * on stderr and stops there, for the test to kill the process at that exact point.
   */
  static final String PAUSE_PROPERTY = "mast.config.pauseAt";

  private static void pause(String step) {
    if (step.equals(System.getProperty(PAUSE_PROPERTY))) {
      System.err.println("mast: config apply paused at " + step + " (" + PAUSE_PROPERTY + ")");
      System.err.flush();
      try {
        new CountDownLatch(1).await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void startGuard(long version, int graceS) {
    long number = ++guard;
    timer.schedule(Duration.ofSeconds(graceS), () -> worker.execute(() -> guardExpired(number, version)));
    armed = new Guard(version, clock.instant().plusSeconds(graceS));
  }

  private void guardExpired(long number, long version) {
    if (closed || number != guard || state.pendingVersion() != version) {
      return;
    }
    String why = "the broker was not reached within " + state.pendingGraceS() + " s of applying version "
        + Long.toUnsignedString(version) + (link.state() == Link.State.CONNECTED ? "" : " (the link is " + link.state().name().toLowerCase()
        + (runtime.uplinkStats().lastError().isEmpty() ? "" : ": " + runtime.uplinkStats().lastError()) + ")");
    Logger.warn("config: {}; going back to the previous config", why);
    revertNow(version, why);
  }

  /** Puts the previous config back (runtime, then store), settles the guard and sends REVERTED. */
  private void revertNow(long version, String why) {
    if (pendingAck != null) {
      pendingAck.cancel(false);
      pendingAck = null;
    }
    String origin = state.pendingOrigin().isEmpty() ? ConfigAckMessage.PLATFORM : state.pendingOrigin();
    DeviceConfig previous = store.previous();
    DeviceConfig current = store.current();
    DeviceConfig back = current != null && current.getVersion() == version ? previous : current;
    if (back == null) {
      Logger.error("config: no previous config to go back to; version {} stays", Long.toUnsignedString(version));
      return;
    }
    try {
      runtime.apply(back);
      if (current != null && current.getVersion() == version) {
        store.revert();
      }
    } catch (ControlRefusedException | IOException e) {
      Logger.error("config: going back to version {} failed: {}", Long.toUnsignedString(back.getVersion()), e.getMessage());
    }
    save(state.settled());
    guard++;
    armed = null;
    runtime.confirmed(true);
    subscribe();
    acknowledge(new ConfigAckMessage(version, Result.REVERTED, List.of(why), back.getVersion(), origin, List.of(), List.of()));
  }

  private void refuseOnce(byte[] payload, long version, List<String> reasons) {
    if (Arrays.equals(payload, lastIgnored)) {
      return;
    }
    lastIgnored = payload;
    refuse(version, ConfigAckMessage.PLATFORM, reasons);
  }

  private ConfigAckMessage refuse(long version, String origin, List<String> reasons) {
    Logger.warn("config: {} refused: {}", version == 0 ? "a push" : "version " + Long.toUnsignedString(version), String.join("; ", reasons));
    ConfigAckMessage ack = new ConfigAckMessage(version, Result.REJECTED, reasons, runtime.config().getVersion(), origin, List.of(), List.of());
    acknowledge(ack);
    return ack;
  }

  /** Sends {@code ack}; an APPLIED one that reaches the broker confirms its config. Sent again while it fails. */
  private void acknowledge(ConfigAckMessage ack) {
    if (closed) {
      return;
    }
    CompletableFuture<Void> sent = link.publish(Topics.Kind.CONFIG_ACK, ack.toBytes(), false);
    if (ack.result() == Result.APPLIED) {
      pendingAck = sent;
    }
    sent.whenComplete((v, failure) -> worker.execute(() -> {
      if (failure == null) {
        delivered(ack);
      } else if (ack.result() != Result.APPLIED || state.pendingVersion() == ack.version()
          || !ack.origin().equals(ConfigAckMessage.PLATFORM) && ack.version() == runtime.config().getVersion()) {
        Logger.debug("config: the {} acknowledgement of version {} failed ({}); sending it again", ack.result(),
            Long.toUnsignedString(ack.version()), failure.getMessage());
        timer.schedule(ACK_RETRY, () -> worker.execute(() -> acknowledge(ack)));
      }
    }));
  }

  private void delivered(ConfigAckMessage ack) {
    if (ack.result() == Result.APPLIED && state.pendingVersion() == ack.version()) {
      save(state.settled());
      guard++;
      armed = null;
      runtime.confirmed(true);
      Logger.info("config: version {} confirmed: its acknowledgement reached the broker", Long.toUnsignedString(ack.version()));
    }
  }

  private boolean save(GuardState next) {
    try {
      next.write(stateFile);
      state = next;
      return true;
    } catch (IOException e) {
      Logger.error("config: writing {} failed: {}", statePath, e.getMessage());
      return false;
    }
  }

  /** The keys {@code c} trusts to sign control messages (config, remote console, updates). */
  public static TrustedKeys trusted(DeviceConfig c) {
    Map<String, byte[]> raw = new LinkedHashMap<>();
    for (TrustedKey k : c.getTrust().getKeysList()) {
      raw.put(k.getKeyId(), k.getEd25519Public().toByteArray());
    }
    try {
      return TrustedKeys.ofRaw(raw);
    } catch (GeneralSecurityException e) {
      Logger.error("config: the trusted keys are unusable ({}); no push can be verified", e.getMessage());
      return TrustedKeys.none();
    }
  }

  @Override
  public void close() {
    closed = true;
    subscriptions.forEach(Link.Subscription::close);
    worker.shutdown();
    try {
      worker.awaitTermination(5, TimeUnit.SECONDS);
      stateFile.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      Logger.warn("config: closing {}: {}", statePath, e.getMessage());
    }
  }
}

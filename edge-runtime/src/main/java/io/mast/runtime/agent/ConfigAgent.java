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
import io.mast.runtime.core.Pole;
import io.mast.runtime.health.ControlGate;
import io.mast.runtime.uplink.Link;
import io.mast.seams.Scheduler;
import io.mast.seams.SerialExecutor;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.tinylog.Logger;

/**
 * The pole's config agent: takes configs pushed by the platform (topic {@code c} of the device
 * and of each of its groups) or edited by a technician, applies them live, acknowledges them on
 * {@code ca}, and reverts a config by itself when it cuts the pole off.
 *
 * <p><b>A push</b>, in this order, each step only when the one before held: the envelope is
 * verified ({@link SignedControl}: at most {@value ConfigSetMessage#MAX_ENVELOPE_BYTES} bytes, a
 * trusted key, the signature over the exact body, then type, target and validity against the
 * pole's time, by the clock rule of {@link GuardStateFile}); its version must be newer than every
 * version this pole has taken (reverted ones too); the config must parse and validate
 * ({@link ConfigCandidate}); the runtime must be able to take it live ({@link Pole#apply}).
 * Any refusal is acknowledged {@code REJECTED} with every reason, and nothing changed
 * ({@link ConfigAcks}). A retained push seen again (at every connect) is ignored when it is the
 * config in force or pending.
 *
 * <p><b>Commit protocol of an apply</b>: the pending version is written to the guard state first,
 * then the runtime takes the config, then the config store writes it (current/previous), then
 * {@code APPLIED} goes out. A power cut before the store's write leaves the old config in force
 * and the pending version is dropped at the next start; after it, the new config runs and the
 * guard resumes, with its full grace period.
 *
 * <p><b>The link guard</b> ({@link LinkGuard}) reverts a config whose {@code APPLIED} did not reach
 * the broker within the grace period (the push's, default {@value ConfigSetMessage#DEFAULT_GRACE_S}
 * s). Health and the birth status say whether the config in force is confirmed.
 *
 * <p><b>Threads.</b> Arriving messages are handed by Paho's thread to the agent's own thread
 * ({@code mast-config}, a queue of {@value #QUEUE}; more are dropped and counted); everything
 * else runs there too: acknowledgements' completions and the guard's timer only queue work.
 */
public final class ConfigAgent implements AutoCloseable {
  /** Messages that may wait for the agent's thread; a burst beyond is dropped and counted. */
  public static final int QUEUE = 4;

  private final Pole runtime;
  private final Link link;
  private final ConfigStore store;
  private final GuardStateFile state;
  private final SerialExecutor worker;
  private final ConfigAcks acks;
  private final LinkGuard guard;
  private final List<Link.Subscription> subscriptions = new ArrayList<>();
  private List<String> subscribed = List.of();
  private volatile long dropped;
  private volatile long handled;
  private final AtomicInteger queuedPushes = new AtomicInteger();
  private volatile boolean closed;

  private ConfigAgent(Pole runtime, ConfigStore store, GuardStateFile state, Clock clock, Scheduler timer) {
    this.runtime = runtime;
    this.link = runtime.link();
    this.store = store;
    this.state = state;
    // the agent's own work (acknowledgements, the guard) is never dropped; arriving pushes are
    // bounded by queuedPushes instead
    this.worker = runtime.threads().serial("mast-config", Integer.MAX_VALUE).onError(e -> runtime.gate().fault("mast-config", e));
    this.acks = new ConfigAcks(link, timer, worker, () -> runtime.config().getVersion(),
        ack -> state.get().pendingVersion() == ack.version()
            || !ack.origin().equals(ConfigAckMessage.PLATFORM) && ack.version() == runtime.config().getVersion(),
        this::delivered, runtime.gate());
    this.guard = new LinkGuard(runtime, store, state, acks, timer, clock, worker, this::subscribe);
  }

  /**
   * Starts the agent of {@code runtime}, whose config is {@code store}'s current one; its state
   * goes beside the store. A config left pending by a power cut is guarded again.
   */
  public static ConfigAgent start(Pole runtime, ConfigStore store, Path dir, Clock clock, Scheduler timer)
      throws IOException {
    ConfigAgent agent = new ConfigAgent(runtime, store, GuardStateFile.open(runtime.files(), dir.resolve("agent.state"), clock), clock, timer);
    agent.worker.execute(agent::resume);
    agent.subscribe();
    return agent;
  }

  /** After a restart: a pending config still in force is guarded again, one never stored is forgotten. */
  private void resume() {
    GuardState state = this.state.get();
    if (!state.pending()) {
      return;
    }
    DeviceConfig current = store.current();
    if (current != null && current.getVersion() == state.pendingVersion()) {
      Logger.info("config: version {} was pending at the last stop; guarding it again for {} s",
          Long.toUnsignedString(state.pendingVersion()), state.pendingGraceS());
      this.state.save(state.took(state.pendingVersion()));
      runtime.confirmed(false);
      guard.arm(state.pendingVersion(), state.pendingGraceS());
      acks.send(new ConfigAckMessage(state.pendingVersion(), Result.APPLIED, List.of(), state.pendingVersion(),
          state.pendingOrigin(), List.of(), List.of()));
    } else {
      Logger.info("config: version {} was being applied at the last stop and was never stored; the config in force stays",
          Long.toUnsignedString(state.pendingVersion()));
      this.state.save(state.settled());
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

  /**
   * On Paho's thread: hands a push (admitted by the pole's gate at the socket, within its budget of
   * signature checks) to the agent's thread, or drops and counts it when {@value #QUEUE} wait already.
   */
  private void arrived(byte[] payload) {
    if (payload.length == 0) {
      return; // a retained push cleared by the platform (or emptied by the gate at the socket): nothing to answer
    }
    if (queuedPushes.incrementAndGet() > QUEUE) {
      queuedPushes.decrementAndGet();
      dropped++;
      runtime.gate().dropped(ControlGate.Topic.CONFIG, QUEUE + " pushes wait already");
      return;
    }
    worker.execute(() -> {
      queuedPushes.decrementAndGet();
      onPush(payload);
    });
  }

  /** The version a technician's next edit gets: above the one in force and every one taken. */
  public long nextVersion() {
    return state.get().newest(runtime.config().getVersion()) + 1;
  }

  /** Messages dropped because the agent's queue was full. */
  public long dropped() {
    return dropped;
  }

  /** The pole's time for validity checks: the clock, never below the persisted floor or this release. Any thread. */
  public long now() {
    return state.now();
  }

  /** Whether the clock can judge that a message is from the future: it is not behind what the pole has already seen. */
  public boolean clockTrusted() {
    return state.clockTrusted();
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
      worker.execute(() -> state.sawIssued(issuedAt));
    } catch (RejectedExecutionException e) {
      Logger.debug("config: closing; the clock floor stays at {}", state.get().clockFloor());
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
      v = SignedControl.verify(payload, ConfigSetMessage.MAX_ENVELOPE_BYTES, ControlTrust.keys(current), SignedControl.Type.CONFIG_SET,
          new SignedControl.Audience(runtime.deviceId(), Set.copyOf(current.getIdentity().getGroupsList())), now(), clockTrusted());
      state.sawIssued(v.issuedAt());
      set = ConfigSetMessage.parse(v.payload());
    } catch (ControlRefusedException e) {
      acks.refuseOnce(payload, 0, e.reasons(), e.signedBy() != null);
      return;
    } catch (FrameFormatException e) {
      acks.refuseOnce(payload, 0, List.of(e.getMessage()), true); // signed, so a trusted signer's: answered
      return;
    }
    long version = set.version();
    if (version == current.getVersion() && ConfigCandidate.inForce(set, v.toDevice(), current)) {
      Logger.debug("config: version {} is already in force; the retained push is not applied again", Long.toUnsignedString(version));
      return;
    }
    String stale = notNewer(version);
    if (stale != null) {
      acks.refuseOnce(payload, version, List.of(stale + ", the newest this pole has taken"
          + (Long.compareUnsigned(state.get().highest(), current.getVersion()) > 0 ? " (and reverted)" : "")), true);
      return;
    }
    try {
      DeviceConfig next = ConfigCandidate.of(set, v.toDevice(), current);
      apply(next, set.effectiveGraceS(), ConfigAckMessage.PLATFORM);
    } catch (ControlRefusedException e) {
      acks.refuseOnce(payload, version, e.reasons(), true);
    }
  }

  /**
   * Why {@code version} may not be taken, or null when it is newer than every version stored here
   * (the one in force, and reverted ones). Versions are unsigned.
   */
  private String notNewer(long version) {
    long newest = state.get().newest(runtime.config().getVersion());
    return Long.compareUnsigned(version, newest) > 0 ? null
        : "version " + Long.toUnsignedString(version) + " is not newer than " + Long.toUnsignedString(newest);
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
        answer.complete(acks.refuse(version, origin, List.of(stale)));
        return;
      }
      try {
        answer.complete(apply(next, graceS, origin));
      } catch (ControlRefusedException e) {
        answer.complete(acks.refuse(version, origin, e.reasons()));
      }
    });
    return answer;
  }

  /** Applies a checked config by the commit protocol of the class comment; the answer sent. */
  private ConfigAckMessage apply(DeviceConfig next, int graceS, String origin) throws ControlRefusedException {
    long version = next.getVersion();
    GuardState before = state.get();
    if (!state.save(before.pending(version, graceS, origin))) {
      throw new ControlRefusedException("the pole could not write its config state (" + state.path() + "); nothing changed");
    }
    ApplyPause.at("pending-saved");
    Pole.Applied applied;
    try {
      applied = runtime.apply(next);
    } catch (ControlRefusedException e) {
      state.save(before);
      throw e;
    } catch (IOException e) {
      state.save(before);
      throw new ControlRefusedException("the pole could not stage the config: " + e.getMessage() + "; nothing changed");
    }
    ApplyPause.at("runtime-applied");
    try {
      store.apply(next);
    } catch (ConfigException e) {
      guard.revert(version, "the config store refused it: " + e.getMessage());
      throw new ControlRefusedException("the config store refused it: " + e.getMessage());
    } catch (IOException e) {
      guard.revert(version, "writing it failed: " + e.getMessage());
      throw new ControlRefusedException("writing the config failed (" + e.getMessage() + "); the previous config is back");
    }
    state.save(state.get().took(version));
    ApplyPause.at("stored");
    if (graceS == 0) {
      // a technician's edit that leaves the link alone: nothing for the link guard to prove
      guard.settle();
      subscribe();
      Logger.info("config: version {} from {} applied", Long.toUnsignedString(version), origin);
    } else {
      runtime.confirmed(false);
      subscribe();
      guard.arm(version, graceS);
      Logger.info("config: version {} from {} applied; waiting up to {} s for the broker to confirm it",
          Long.toUnsignedString(version), origin, graceS);
    }
    ConfigAckMessage ack = new ConfigAckMessage(version, Result.APPLIED, List.of(), version, origin, applied.changed(), applied.warnings());
    acks.send(ack);
    ApplyPause.at("acknowledged");
    return ack;
  }

  /** A config waiting for its acknowledgement to reach the broker, and when the guard reverts it. */
  public record Guard(long version, java.time.Instant revertAt) {}

  /** The guard that runs, or null when the config in force is confirmed. Any thread. */
  public Guard guard() {
    return guard.armed();
  }



  /** An answer reached the broker: an APPLIED one of the pending config confirms it. */
  private void delivered(ConfigAckMessage ack) {
    if (ack.result() == Result.APPLIED && state.get().pendingVersion() == ack.version()) {
      guard.settle();
      Logger.info("config: version {} confirmed: its acknowledgement reached the broker", Long.toUnsignedString(ack.version()));
    }
  }

  @Override
  public void close() {
    closed = true;
    acks.close();
    guard.close();
    subscriptions.forEach(Link.Subscription::close);
    worker.shutdown();
    try {
      worker.awaitIdle(Duration.ofSeconds(5));
      state.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      Logger.warn("config: closing {}: {}", state.path(), e.getMessage());
    }
  }
}

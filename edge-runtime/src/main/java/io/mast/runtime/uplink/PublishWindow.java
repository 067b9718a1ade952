package io.mast.runtime.uplink;

import io.mast.protocol.ChannelProfile;
import io.mast.protocol.FrameEncoder;
import io.mast.protocol.Topics;
import io.mast.runtime.uplink.InFlightWindow.Lane;
import io.mast.store.RingStore;
import io.mast.store.StoreStats;
import io.mast.store.StoredAlarm;
import io.mast.store.StoredRecord;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.tinylog.Logger;

/**
 * What the pole sends next on an open connection, and the store's cursors moved on PUBACK.
 *
 * <p>Alarms first, then the agents' messages ({@link #offer}), then telemetry oldest first. At
 * most {@code inflightWindow} frames await their PUBACK ({@link InFlightWindow}); sends wait for
 * the bandwidth cap; telemetry and health stop for the rest of the UTC day when the daily budget
 * is spent, alarms, status, profile and the agents' messages do not ({@link ByteBudget}). After
 * every (re)connect it starts again from the store's acknowledged cursors; frames are cut by
 * {@link FrameCutter}, so a frame sent again is the same frame.
 *
 * <p>The uplink thread owns it; {@link #offer}, {@link #offerHealth}, {@link #status} and
 * {@link #profileChanged} may be called from any thread.
 */
final class PublishWindow {
  private record Outgoing(Topics.Kind kind, byte[] payload, boolean retained, CompletableFuture<Void> done) {}

  private final RingStore store;
  private final ProfileHistory profiles;
  private final int maxFrameBytes;
  private final Connection conn;
  private final Runnable progress;
  private final ByteBudget budget;
  /** A cutter (and its encoder) per profile id, built when first needed. */
  private final Map<Integer, FrameCutter> cutters = new HashMap<>();
  private final ArrayBlockingQueue<Outgoing> outbox = new ArrayBlockingQueue<>(Uplink.OUTBOX);
  private final List<CompletableFuture<Void>> agentsInFlight = new ArrayList<>();
  private final AtomicReference<byte[]> health = new AtomicReference<>();
  private final List<StoredRecord> ahead = new ArrayList<>();
  private UplinkSettings settings;
  private InFlightWindow window;
  private volatile boolean profileChanged;
  private volatile byte[] online;
  private volatile byte[] offline;
  private volatile boolean statusChanged;
  /** Telemetry is ready and held (a full window, the bandwidth cap, the budget): bulk transfers wait. */
  private volatile boolean telemetryHeld;
  private boolean budgetLogged;
  private long nextRecord;
  private long nextAlarm;
  private volatile long framesSent;
  private volatile long framesAcked;
  private volatile long readingsAcked;
  private volatile long alarmsAcked;
  private volatile long dropped;
  private volatile int inFlight;
  private volatile double rttMillis;

  /**
   * @param online retained birth payload; {@code offline} the last will
   * @param progress run on the uplink thread after the store's cursors moved
   */
  PublishWindow(UplinkSettings settings, RingStore store, ProfileHistory profiles, int maxFrameBytes, byte[] online, byte[] offline,
      Connection conn, Clock clock, Runnable progress) {
    this.store = store;
    this.profiles = profiles;
    this.maxFrameBytes = maxFrameBytes;
    this.conn = conn;
    this.progress = progress;
    this.online = online.clone();
    this.offline = offline.clone();
    this.budget = new ByteBudget(settings.dailyBudgetBytes(), settings.bandwidthBytesPerSecond(), clock, System::nanoTime);
    settings(settings);
  }

  /** New settings (uplink thread, between connections): topics, window size and limits. */
  void settings(UplinkSettings s) {
    if (this.settings != null) {
      budget.limits(s.dailyBudgetBytes(), s.bandwidthBytesPerSecond());
    }
    this.settings = s;
    this.window = new InFlightWindow(s.inflightWindow());
    inFlight = 0;
  }

  ByteBudget budget() {
    return budget;
  }

  /** The last will: the retained status the broker publishes when the link is lost. */
  byte[] offline() {
    return offline;
  }

  /** A new birth status and last will: the birth goes at once while connected, the will with the next connect. Any thread. */
  void status(byte[] birth, byte[] will) {
    this.online = birth.clone();
    this.offline = will.clone();
    statusChanged = true;
  }

  /** The profile history has a new current profile, published at the next turn. Any thread. */
  void profileChanged() {
    profileChanged = true;
  }

  /** Queues a health report (QoS 0); a newer one replaces one not yet sent. Any thread. */
  void offerHealth(byte[] payload) {
    health.set(payload.clone());
  }

  /** Queues an agent's message; false if the outbox is full. Any thread. */
  boolean offer(Topics.Kind kind, byte[] payload, boolean retained, CompletableFuture<Void> done) {
    return outbox.offer(new Outgoing(kind, payload.clone(), retained, done));
  }

  boolean telemetryHeld() {
    return telemetryHeld;
  }

  Optional<InFlightWindow.Frame> oldestUnacked() {
    return window.oldestUnacked();
  }

  /** The figures since start, with the connection's facts given by the uplink. */
  Uplink.Stats stats(Link.State state, String broker, int connects, String lastError, long connectedAt, long retryInMillis) {
    return new Uplink.Stats(state, broker, connects, framesSent, framesAcked, readingsAcked, alarmsAcked,
        budget.spentToday(), budget.total(), (int) Math.round(rttMillis), inFlight, dropped,
        budget.overDailyBudget(), lastError, connectedAt, retryInMillis);
  }

  /**
   * A new connection: forgets what was in flight, starts again from the store's acknowledged
   * cursors, and publishes the retained birth status and profile.
   */
  void connected() throws IOException {
    window.clear();
    inFlight = 0;
    ahead.clear();
    conn.forgetLosses();
    StoreStats s = store.stats();
    nextRecord = Math.max(s.readings().ackedSeq() + 1, s.readings().firstSeq());
    nextAlarm = Math.max(s.alarms().ackedSeq() + 1, s.alarms().firstSeq());
    profileChanged = false;
    statusChanged = false;
    publishEssential(Topics.Kind.STATUS, online);
    publishEssential(Topics.Kind.PROFILE, profiles.current().toBytes());
  }

  /** The broker acknowledged a frame. */
  void acked(UplinkEvent.Acked a) {
    window.acknowledged(a.lane(), a.seq(), System.nanoTime()).ifPresent(this::moved);
    rttMillis = window.rttMillis();
    inFlight = window.inFlight();
  }

  /** An agent's message is acknowledged or failed: its future learns it. */
  void agentDone(UplinkEvent.AgentDone d) {
    agentsInFlight.remove(d.future());
    if (d.failure() == null) {
      d.future().complete(null);
    } else {
      d.future().completeExceptionally(d.failure());
    }
  }

  /** The agents' messages in flight fail for {@code why}; when stopping, those waiting too. */
  void failAgents(String why, boolean stopping) {
    for (CompletableFuture<Void> f : agentsInFlight) {
      f.completeExceptionally(new IOException(why));
    }
    agentsInFlight.clear();
    if (stopping) {
      for (Outgoing o; (o = outbox.poll()) != null; ) {
        o.done().completeExceptionally(new IOException("the link stopped before the message was sent"));
      }
    }
  }

  /** The window moved a lane's cursor: the store learns it, the figures follow. */
  private void moved(InFlightWindow.Advance a) {
    framesAcked += a.frames();
    if (a.lane() == Lane.ALARMS) {
      alarmsAcked += a.frames();
      store.ackAlarms(a.cursor());
    } else {
      readingsAcked += a.readings();
      store.ack(a.cursor());
    }
    progress.run();
  }

  /** Sends what the window, the cap and the budget allow; returns how long to wait before trying again. */
  long pump() throws IOException {
    if (profileChanged) {
      profileChanged = false;
      publishEssential(Topics.Kind.PROFILE, profiles.current().toBytes());
    }
    if (statusChanged) {
      statusChanged = false;
      publishEssential(Topics.Kind.STATUS, online);
    }
    byte[] h = health.get();
    if (h != null && !budget.overDailyBudget()
        && budget.waitNanos(ByteBudget.wireBytes(settings.topic(Topics.Kind.HEALTH), h.length, false)) == 0) {
      health.set(null);
      publish(Topics.Kind.HEALTH, h, 0, false, null, null);
    }
    long idle = TimeUnit.MINUTES.toNanos(1);
    while (!window.full() && conn.open()) {
      List<StoredAlarm> next = store.readAlarms(nextAlarm, 1);
      if (!next.isEmpty()) {
        StoredAlarm a = next.get(0);
        var ev = a.alarm();
        long seq = FrameCutter.alarmSeq(a.seq());
        byte[] payload = cutterFor(profiles.forAlarm(a.seq())).encoder().encodeAlarm(ev.reading(), seq, ev.rule(), ev.raised(), ev.threshold());
        long wait = budget.waitNanos(ByteBudget.wireBytes(settings.topic(Topics.Kind.ALARM), payload.length, true));
        if (wait > 0) {
          return wait;
        }
        sendFrame(Lane.ALARMS, Topics.Kind.ALARM, payload, new InFlightWindow.Frame(seq, a.seq(), 1, System.nanoTime()));
        nextAlarm = a.seq() + 1;
        continue;
      }
      long agentWait = sendAgentMessages();
      if (agentWait > 0) {
        return agentWait;
      }
      if (budget.overDailyBudget()) {
        telemetryHeld = true;
        if (!budgetLogged) {
          Logger.warn("uplink: daily byte budget of {} bytes spent; telemetry waits for the next UTC day", budget.dailyBytes());
          budgetLogged = true;
        }
        return idle;
      }
      budgetLogged = false;
      Optional<FrameCutter.Cut> cut = nextCut();
      if (cut.isEmpty()) {
        telemetryHeld = false; // caught up
        return idle;
      }
      FrameCutter.Cut c = cut.get();
      if (!c.hasFrame()) {
        if (c.dropped() != null) {
          dropped++;
          conn.lastError(c.dropped());
          Logger.error("uplink: dropped {}", c.dropped());
        }
        consumed(c);
        window.passed(c.lastRecord()).ifPresent(this::moved);
        continue;
      }
      long wait = budget.waitNanos(ByteBudget.wireBytes(settings.topic(Topics.Kind.TELEMETRY), c.frame().bytes().length, true));
      if (wait > 0) {
        telemetryHeld = true;
        return wait;
      }
      sendFrame(Lane.TELEMETRY, Topics.Kind.TELEMETRY, c.frame().bytes(),
          new InFlightWindow.Frame(c.frame().seq(), c.lastRecord(), c.frame().readings(), System.nanoTime()));
      consumed(c);
    }
    if (window.full()) {
      telemetryHeld = true;
    }
    // a window full of frames holds no agent's message back
    long agentWait = sendAgentMessages();
    return agentWait > 0 ? Math.min(agentWait, idle) : idle;
  }

  private FrameCutter cutterFor(ChannelProfile profile) {
    return cutters.computeIfAbsent(profile.id(),
        id -> new FrameCutter(FrameEncoder.builder(profile).maxFrameBytes(maxFrameBytes).build()));
  }

  /** The agents' waiting messages, within the bandwidth cap; returns how long the cap asks to wait, 0 if none. */
  private long sendAgentMessages() {
    while (agentsInFlight.size() < Uplink.AGENTS_IN_FLIGHT && conn.open()) {
      Outgoing o = outbox.peek();
      if (o == null) {
        return 0;
      }
      long wait = budget.waitNanos(ByteBudget.wireBytes(settings.topic(o.kind()), o.payload().length, true));
      if (wait > 0) {
        return wait;
      }
      outbox.poll();
      if (o.done().isDone()) {
        continue; // cancelled by its agent while it waited
      }
      agentsInFlight.add(o.done());
      publish(o.kind(), o.payload(), 1, o.retained(), null, o.done());
    }
    return 0;
  }

  private Optional<FrameCutter.Cut> nextCut() throws IOException {
    while (true) {
      // a profile starts after a stored cut, so a run of records never spans two profiles
      Optional<FrameCutter.Cut> cut = ahead.isEmpty() ? Optional.empty()
          : cutterFor(profiles.forRecord(ahead.get(0).seq())).next(ahead);
      if (cut.isPresent()) {
        return cut;
      }
      long from = ahead.isEmpty() ? nextRecord : ahead.get(ahead.size() - 1).seq() + 1;
      List<StoredRecord> more = store.read(from, 4096);
      if (more.isEmpty()) {
        return Optional.empty();
      }
      ahead.addAll(more);
    }
  }

  private void consumed(FrameCutter.Cut c) {
    int n = 0;
    while (n < ahead.size() && ahead.get(n).seq() <= c.lastRecord()) {
      n++;
    }
    ahead.subList(0, n).clear();
    nextRecord = c.lastRecord() + 1;
  }

  private void sendFrame(Lane lane, Topics.Kind kind, byte[] payload, InFlightWindow.Frame frame) {
    window.sent(lane, frame);
    inFlight = window.inFlight();
    framesSent++;
    publish(kind, payload, 1, false, new UplinkEvent.Acked(lane, frame.seq(), conn.number()), null);
  }

  private void publishEssential(Topics.Kind kind, byte[] payload) throws IOException {
    long number = conn.number();
    conn.publish(settings.topic(kind), payload, 1, true, failure -> {
      if (failure != null) {
        conn.report(new UplinkEvent.Lost(number, "publish of the retained " + kind + " failed: " + failure));
      }
    });
    budget.spend(ByteBudget.wireBytes(settings.topic(kind), payload.length, true));
  }

  /**
   * Publishes one message. On success the frame's {@code acked} event, or the agent's future,
   * goes to the uplink thread; a failure of a frame loses the connection.
   */
  private void publish(Topics.Kind kind, byte[] payload, int qos, boolean retained, UplinkEvent.Acked acked,
      CompletableFuture<Void> agent) {
    String topic = settings.topic(kind);
    long number = conn.number();
    try {
      conn.publish(topic, payload, qos, retained, failure -> conn.report(agent != null ? new UplinkEvent.AgentDone(agent, number, failure)
          : failure != null ? new UplinkEvent.Lost(number, "publish on " + topic + " failed: " + failure)
          : acked));
      budget.spend(ByteBudget.wireBytes(topic, payload.length, qos == 1));
    } catch (IOException e) {
      if (agent != null) {
        agentsInFlight.remove(agent);
        agent.completeExceptionally(e);
      }
      conn.lose("publish: " + e.getMessage());
    }
  }
}

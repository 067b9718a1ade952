package io.mast.runtime.uplink;

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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.tinylog.Logger;

/**
 * The uplink loop: decides what the pole sends next and moves the store's cursors on PUBACK,
 * over one {@link PahoSession} at a time. It is the pole's {@link Link} for the agents.
 *
 * <p><b>Outbox.</b> The store is the only outbox of readings. The uplink publishes only while
 * connected; after every (re)connect it starts again from the store's acknowledged cursors and
 * sends everything unacknowledged. Frames are cut by {@link FrameCutter}, so a frame sent again
 * is the same frame and the platform drops it as a duplicate.
 *
 * <p><b>What goes next.</b> Alarms first, then the agents' messages ({@link #publish}), then
 * telemetry oldest first. At most {@code inflightWindow} frames await their PUBACK
 * ({@link InFlightWindow}); sends wait for the bandwidth cap; telemetry and health stop for the
 * rest of the UTC day when the daily budget is spent, alarms, status, profile and the agents'
 * messages do not ({@link ByteBudget}).
 *
 * <p><b>Connection.</b> Persistent session, long keepalive, retained last will {@code OFFLINE};
 * on connect a retained {@code ONLINE} birth, the retained profile, then the agents'
 * subscriptions again. Reconnects wait {@link Backoff exponential backoff with full jitter}
 * ({@link Reconnects}: the delay logged is the delay waited, a repeated reason is logged once a
 * minute). A clean stop publishes {@code OFFLINE} itself, since the broker sends the will only on
 * a lost link.
 *
 * <p><b>A hostile or broken broker.</b> Its bytes pass an {@link InboundGuard} before Paho reads
 * them (packet types, lengths and topics a client may receive; nothing larger than the largest
 * control message), and a violation is a lost connection. The liveness rule adds what Paho
 * cannot see: a frame without PUBACK for the ack timeout, a packet left half sent as long, or
 * Paho's receiving thread dead all drop the connection and connect again.
 *
 * <p><b>Threads.</b> One thread, {@code mast-uplink}, owns the session, the cutter, the window
 * and every cursor; it alone calls Paho. Paho's callbacks only queue an event and wake it (or
 * hand a message to the subscribers' non-blocking handlers), so no Paho call ever runs on, or
 * blocks, a callback thread. See {@code edge-runtime/CONCURRENCY.md}.
 */
public final class Uplink implements Link, AutoCloseable {
  /** Agents' messages that may wait for the link; more are refused at once. */
  public static final int OUTBOX = 64;
  /** Agents' messages in flight at once, besides the frames. */
  static final int AGENTS_IN_FLIGHT = 8;

  /**
   * Figures since start.
   *
   * @param framesSent telemetry and alarm frames published (resends included)
   * @param framesAcked telemetry and alarm frames acknowledged
   * @param readingsAcked readings in acknowledged telemetry frames
   * @param ackRttMillis publish to PUBACK, a moving mean over about 16 frames
   * @param lastError the latest failure, empty before the first
   * @param connectedAt Unix milliseconds of the latest connect, 0 before the first
   * @param retryInMillis while waiting after a failure, the time left before the next attempt; else 0
   */
  public record Stats(State state, String broker, int connects, long framesSent, long framesAcked, long readingsAcked,
      long alarmsAcked, long bytesToday, long bytesTotal, int ackRttMillis, int inFlight, long droppedRecords,
      boolean overBudget, String lastError, long connectedAt, long retryInMillis) {}

  /** Something Paho or an agent reported, handled on the uplink thread. */
  private sealed interface Event {}

  private record Acked(Lane lane, long seq, long session) implements Event {}

  private record AgentDone(CompletableFuture<Void> future, long session, Throwable failure) implements Event {}

  private record Lost(long session, String why) implements Event {}

  private record Outgoing(Topics.Kind kind, byte[] payload, boolean retained, CompletableFuture<Void> done) {}

  private record Sub(String filter, BiConsumer<String, byte[]> handler) {}

  private volatile UplinkSettings settings;
  /** Settings of a new config, taken over by the uplink thread at its next turn. */
  private final AtomicReference<Adoption> nextSettings = new AtomicReference<>();

  /** New settings and who waits for the uplink thread to take them. */
  private record Adoption(UplinkSettings settings, CompletableFuture<Void> taken) {}
  private final RandomGenerator random;
  private final RingStore store;
  private final ProfileHistory profiles;
  private final int maxFrameBytes;
  /** A cutter (and its encoder) per profile id, built when first needed; the uplink thread's. */
  private final Map<Integer, FrameCutter> cutters = new java.util.HashMap<>();
  private volatile boolean profileChanged;
  private volatile byte[] online;
  private volatile byte[] offline;
  private volatile boolean statusChanged;
  private volatile Reconnects reconnects;
  private final ByteBudget budget;
  private InFlightWindow window;
  /** How often the liveness rule is checked while connected. */
  private long livenessTick;
  private final Runnable progress;
  private final Queue<Event> events = new ConcurrentLinkedQueue<>();
  private final ArrayBlockingQueue<Outgoing> outbox = new ArrayBlockingQueue<>(OUTBOX);
  private final Map<Object, Sub> subscriptions = new ConcurrentHashMap<>();
  private final Queue<String> unsubscribed = new ConcurrentLinkedQueue<>();
  private final List<Consumer<State>> stateListeners = new CopyOnWriteArrayList<>();
  private final AtomicReference<byte[]> health = new AtomicReference<>();
  private final Object signal = new Object();
  private final Thread thread;
  private final List<StoredRecord> ahead = new ArrayList<>();
  private final List<CompletableFuture<Void>> agentsInFlight = new ArrayList<>();
  private boolean woken;
  private volatile boolean stopping;
  private volatile State state = State.CONNECTING;
  private volatile String broker = "";
  private volatile String lastError = "";
  private PahoSession session;
  private volatile long sessionNumber;
  private boolean lost;
  private volatile boolean resubscribe;
  /** System.nanoTime() at the last turn of the uplink loop. */
  private volatile long lastTurn = System.nanoTime();
  /** The longest the loop waits without turning. */
  private static final long MAX_IDLE_TURN = TimeUnit.SECONDS.toNanos(30);
  /** Telemetry is ready and held (a full window, the bandwidth cap, the budget): bulk transfers wait. */
  private volatile boolean telemetryHeld;
  /** The filters subscribed on the current connection; emptied at each connect (uplink thread only). */
  private final java.util.Set<String> subscribedFilters = new java.util.HashSet<>();
  private volatile long connectedAt;
  private final Clock clock;
  private long nextRecord;
  private long nextAlarm;
  private volatile int connects;
  private volatile long framesSent;
  private volatile long framesAcked;
  private volatile long readingsAcked;
  private volatile long alarmsAcked;
  private volatile long dropped;
  private volatile int inFlight;
  private volatile double rttMillis;
  private boolean budgetLogged;

  /**
   * @param online retained birth payload ({@code Status ONLINE}); {@code offline} the last will
   * @param progress run on the uplink thread after the store's cursors moved or the connection
   *     state changed; it must return at once (it may notify a waiter, never wait itself)
   */
  public Uplink(UplinkSettings settings, RingStore store, ProfileHistory profiles, int maxFrameBytes, byte[] online, byte[] offline,
      Clock clock, RandomGenerator random, Runnable progress) {
    this.settings = settings;
    this.store = store;
    this.profiles = profiles;
    this.maxFrameBytes = maxFrameBytes;
    this.progress = progress;
    this.clock = clock;
    this.random = random;
    this.online = online.clone();
    this.offline = offline.clone();
    this.budget = new ByteBudget(settings.dailyBudgetBytes(), settings.bandwidthBytesPerSecond(), clock, System::nanoTime);
    derive(settings);
    this.thread = new Thread(this::run, "mast-uplink");
    this.thread.setDaemon(true);
  }

  /** What follows from the settings: the reconnect schedule, the window, the liveness tick. */
  private void derive(UplinkSettings s) {
    this.reconnects = new Reconnects(new Backoff(s.reconnectMin(), s.reconnectMax(), random), System::nanoTime, Logger::warn);
    this.window = new InFlightWindow(s.inflightWindow());
    this.livenessTick = Math.max(TimeUnit.MILLISECONDS.toNanos(100), Math.min(TimeUnit.SECONDS.toNanos(5), s.ackTimeout().toNanos() / 4));
  }

  public void start() {
    thread.start();
  }

  /**
   * Takes the uplink settings of a new config: the uplink thread says goodbye on the current
   * connection ({@code OFFLINE}), drops it, and connects at once with the new brokers, TLS,
   * credentials, keepalive, window and limits. What is unacknowledged is sent again from the
   * store on the new connection. Returns at once; the future completes once the old connection
   * is gone, so a message published after it travels on a connection made with {@code next}.
   */
  public CompletableFuture<Void> reconfigure(UplinkSettings next) {
    CompletableFuture<Void> taken = new CompletableFuture<>();
    Adoption replaced = nextSettings.getAndSet(new Adoption(next, taken));
    if (replaced != null) {
      replaced.taken().complete(null);
    }
    wake();
    return taken;
  }

  /** On the uplink thread: the new settings replace the old, and the connection is made again. */
  private void adopt(UplinkSettings next) {
    PahoSession s = session;
    if (s != null && !lost) {
      s.goodbye(settings.topic(Topics.Kind.STATUS), offline);
    }
    dropSession();
    settings = next;
    budget.limits(next.dailyBudgetBytes(), next.bandwidthBytesPerSecond());
    derive(next);
    inFlight = 0;
    Logger.info("uplink: new settings; connecting to {}", String.join(", ", next.brokerUris()));
  }

  /** New limits (daily byte budget, bandwidth cap; 0: none) from now on, on the same connection. Any thread. */
  public void limits(long dailyBytes, long bytesPerSecond) {
    budget.limits(dailyBytes, bytesPerSecond);
    wake();
  }

  /** New durable records or alarms may be there: look again. Any thread, never blocks. */
  public void wake() {
    synchronized (signal) {
      woken = true;
      signal.notifyAll();
    }
  }

  /**
   * The profile history has a new current profile: it is published (retained) at once while
   * connected, and at every connect from now on. Records taken before it still go under theirs.
   */
  public void profileChanged() {
    profileChanged = true;
    wake();
  }

  /**
   * A new birth status and last will (the config version changed or was confirmed): the birth
   * is published (retained) at once while connected; the will goes with the next connect.
   */
  public void status(byte[] birth, byte[] will) {
    this.online = birth.clone();
    this.offline = will.clone();
    statusChanged = true;
    wake();
  }

  private FrameCutter cutterFor(io.mast.protocol.ChannelProfile profile) {
    return cutters.computeIfAbsent(profile.id(),
        id -> new FrameCutter(FrameEncoder.builder(profile).maxFrameBytes(maxFrameBytes).build()));
  }

  /** Queues a health report (QoS 0); a newer one replaces one not yet sent. */
  public void offerHealth(byte[] payload) {
    health.set(payload.clone());
    wake();
  }

  public Stats stats() {
    return new Stats(state, broker, connects, framesSent, framesAcked, readingsAcked, alarmsAcked,
        budget.spentToday(), budget.total(), (int) Math.round(rttMillis), inFlight, dropped,
        budget.overDailyBudget(), lastError, connectedAt,
        state == State.WAITING ? Math.max(0, reconnects.remainingNanos() / 1_000_000) : 0);
  }

  // ---------------------------------------------------------------- Link, for the agents

  @Override
  public CompletableFuture<Void> publish(Topics.Kind kind, byte[] payload, boolean retained) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (stopping) {
      done.completeExceptionally(new IOException("the link is stopped"));
    } else if (!outbox.offer(new Outgoing(kind, payload.clone(), retained, done))) {
      done.completeExceptionally(new IOException("the link's outbox is full (" + OUTBOX + " messages wait); try again later"));
    } else {
      wake();
    }
    return done;
  }

  @Override
  public Subscription subscribe(String topicFilter, BiConsumer<String, byte[]> handler) {
    Object key = new Object();
    subscriptions.put(key, new Sub(topicFilter, handler));
    resubscribeSoon();
    return () -> {
      if (subscriptions.remove(key) != null && subscriptions.values().stream().noneMatch(s -> s.filter().equals(topicFilter))) {
        unsubscribed.add(topicFilter);
        wake();
      }
    };
  }

  private void resubscribeSoon() {
    synchronized (signal) {
      resubscribe = true;
      woken = true;
      signal.notifyAll();
    }
  }

  /**
   * Why the uplink loop is not turning, or null when it is: it turns at least every 30 s
   * (connected, every few seconds), so a loop that has not turned for {@code limit} is stuck.
   * For a supervisor's watchdog. Any thread.
   */
  public String stuck(Duration limit) {
    if (stopping) {
      return null;
    }
    if (thread.getState() == Thread.State.TERMINATED) {
      return "the uplink thread has ended";
    }
    long since = System.nanoTime() - lastTurn;
    return since > limit.toNanos() ? "the uplink loop has not turned for " + TimeUnit.NANOSECONDS.toSeconds(since) + " s" : null;
  }

  @Override
  public boolean bulkAllowed() {
    return !telemetryHeld && !budget.overDailyBudget();
  }

  @Override
  public void spendBulk(long bytes) {
    budget.spend(bytes);
  }

  @Override
  public String topic(Topics.Kind kind) {
    return settings.topic(kind);
  }

  @Override
  public State state() {
    return state;
  }

  @Override
  public void onStateChange(Consumer<State> listener) {
    stateListeners.add(listener);
  }

  private void state(State next) {
    if (state != next) {
      state = next;
      for (Consumer<State> l : stateListeners) {
        try {
          l.accept(next);
        } catch (RuntimeException e) {
          Logger.error(e, "uplink: a state listener failed");
        }
      }
    }
    progress.run();
  }

  /** A message from the broker, on Paho's thread: to every open subscription whose filter matches. */
  private void deliver(long from, String topic, byte[] payload) {
    if (from != sessionNumber) {
      return;
    }
    for (Sub s : subscriptions.values()) {
      if (PahoSession.matches(s.filter(), topic)) {
        try {
          s.handler().accept(topic, payload);
        } catch (RuntimeException e) {
          Logger.error(e, "uplink: the handler of {} failed on a message of {} bytes on {}; dropped", s.filter(), payload.length, topic);
        }
      }
    }
  }

  // ---------------------------------------------------------------- the uplink thread

  private void run() {
    while (!stopping) {
      lastTurn = System.nanoTime();
      try {
        Adoption next = nextSettings.getAndSet(null);
        if (next != null) {
          adopt(next.settings());
          next.taken().complete(null);
        }
        if (session == null) {
          if (!reconnects.due()) {
            await(Math.min(reconnects.remainingNanos(), MAX_IDLE_TURN)); // the loop turns at least this often, for the watchdog
            continue;
          }
          if (!connect()) {
            state(State.WAITING);
            reconnects.failed(String.join(", ", settings.brokerUris()), lastError);
            continue;
          }
        }
        handleEvents();
        String dead = lost ? lastError : liveness();
        if (dead != null) {
          // a refused publish or a failed ack after the broker's violation: the violation is why
          String violation = session.violation();
          lastError = violation != null ? violation : dead;
          dead = lastError;
          String from = broker;
          dropSession();
          reconnects.lost(from, dead);
          continue;
        }
        await(Math.min(pump(), livenessTick));
      } catch (IOException e) {
        lastError = "store: " + e.getMessage();
        Logger.error("uplink: {}", lastError);
        await(TimeUnit.SECONDS.toNanos(1));
      } catch (RuntimeException e) {
        lastError = e.toString();
        Logger.error(e, "uplink: unexpected failure; dropping the connection");
        dropSession();
        await(TimeUnit.SECONDS.toNanos(1));
      }
    }
    goodbye();
    Adoption left = nextSettings.getAndSet(null);
    if (left != null) {
      left.taken().complete(null);
    }
    failAgents("the link stopped");
    state(State.STOPPED);
  }

  private void await(long nanos) {
    synchronized (signal) {
      if (!woken && !stopping && nanos > 0) {
        try {
          TimeUnit.NANOSECONDS.timedWait(signal, nanos);
        } catch (InterruptedException e) {
          stopping = true;
        }
      }
      woken = false;
    }
  }

  private boolean connect() {
    state(State.CONNECTING);
    long number = ++sessionNumber;
    try {
      session = PahoSession.connect(settings, settings.topic(Topics.Kind.STATUS), offline, new PahoSession.Listener() {
        @Override
        public void lost(Throwable cause) {
          events.add(new Lost(number, PahoSession.reason(cause)));
          wake();
        }

        @Override
        public void message(String topic, byte[] payload) {
          deliver(number, topic, payload);
        }
      });
    } catch (IOException e) {
      lastError = e.getMessage();
      return false;
    }
    lost = false;
    broker = session.serverUri();
    connects++;
    connectedAt = clock.millis();
    reconnects.connected();
    Logger.info("uplink: connected to {} as {}", broker, settings.clientId());
    try {
      restartFromStore();
      profileChanged = false;
      statusChanged = false;
      publishEssential(Topics.Kind.STATUS, online);
      publishEssential(Topics.Kind.PROFILE, profiles.current().toBytes());
      subscribedFilters.clear(); // a new connection: every filter again, and their retained messages with them
      resubscribe = true;
      state(State.CONNECTED);
      return true;
    } catch (IOException e) {
      // the broker's violation, if there was one, is why Paho now says "not connected"
      String violation = session.violation();
      lastError = violation != null ? violation : e.getMessage();
      dropSession();
      return false;
    }
  }

  /** After a connect: forget what was in flight and send everything unacknowledged again. */
  private void restartFromStore() throws IOException {
    window.clear();
    inFlight = 0;
    ahead.clear();
    events.removeIf(e -> e instanceof Lost);
    StoreStats s = store.stats();
    nextRecord = Math.max(s.readings().ackedSeq() + 1, s.readings().firstSeq());
    nextAlarm = Math.max(s.alarms().ackedSeq() + 1, s.alarms().firstSeq());
  }

  /**
   * Brings the connection's subscriptions in line with the agents': unsubscribes filters no agent
   * wants, subscribes only the filters the connection lacks (a SUBSCRIBE of an existing filter
   * makes the broker send its retained message again: a 35 KB OTA offer, on a metered link).
   */
  private void syncSubscriptions() throws IOException {
    // the flag is taken before the agents' filters are read: one added meanwhile sets it again
    boolean subscribe;
    synchronized (signal) {
      subscribe = resubscribe;
      resubscribe = false;
    }
    List<String> wanted = subscriptions.values().stream().map(Sub::filter).distinct().toList();
    for (String filter; (filter = unsubscribed.poll()) != null; ) {
      if (!wanted.contains(filter) && subscribedFilters.remove(filter)) {
        session.unsubscribe(filter);
      }
    }
    if (subscribe) {
      List<String> fresh = wanted.stream().filter(f -> !subscribedFilters.contains(f)).toList();
      if (!fresh.isEmpty()) {
        session.subscribe(fresh);
        subscribedFilters.addAll(fresh);
      }
    }
  }

  private void dropSession() {
    PahoSession s = session;
    session = null;
    lost = false;
    if (s != null) {
      s.close();
    }
    failAgents("the connection was lost before the broker acknowledged it");
    if (!stopping) {
      state(State.WAITING);
    }
  }

  private void failAgents(String why) {
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

  /**
   * The liveness rule: why the connection is dead though Paho has not reported it lost, or null.
   * A frame without PUBACK for the ack timeout, a packet from the broker left half sent as long,
   * or Paho's receiving thread dead: each means nothing more will be acknowledged on this
   * connection, however long the keepalive.
   */
  private String liveness() {
    long bound = settings.ackTimeout().toNanos();
    String receiver = session.deadReceiver(bound);
    if (receiver != null) {
      return receiver;
    }
    Optional<InFlightWindow.Frame> oldest = window.oldestUnacked();
    if (oldest.isPresent()) {
      long waited = System.nanoTime() - oldest.get().sentNanos();
      if (waited > bound) {
        return "no PUBACK for frame " + oldest.get().seq() + " in " + waited / 1_000_000 + " ms (the ack timeout is "
            + settings.ackTimeout().toSeconds() + " s)";
      }
    }
    return null;
  }

  private void handleEvents() {
    for (Event e; (e = events.poll()) != null; ) {
      if (e instanceof Lost l && l.session() == sessionNumber) {
        lastError = l.why();
        lost = true;
      } else if (e instanceof Acked a && a.session() == sessionNumber) {
        window.acknowledged(a.lane(), a.seq(), System.nanoTime()).ifPresent(this::moved);
        rttMillis = window.rttMillis();
      } else if (e instanceof AgentDone d) {
        agentsInFlight.remove(d.future());
        if (d.failure() == null) {
          d.future().complete(null);
        } else {
          d.future().completeExceptionally(d.failure());
        }
      }
    }
    inFlight = window.inFlight();
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
  private long pump() throws IOException {
    if (resubscribe || !unsubscribed.isEmpty()) {
      syncSubscriptions();
    }
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
    while (!window.full() && session != null && !lost) {
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
          lastError = c.dropped();
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

  /** The agents' waiting messages, within the bandwidth cap; returns how long the cap asks to wait, 0 if none. */
  private long sendAgentMessages() {
    while (agentsInFlight.size() < AGENTS_IN_FLIGHT && session != null && !lost) {
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
    publish(kind, payload, 1, false, new Acked(lane, frame.seq(), sessionNumber), null);
  }

  private void publishEssential(Topics.Kind kind, byte[] payload) throws IOException {
    long number = sessionNumber;
    session.publish(settings.topic(kind), payload, 1, true, failure -> {
      if (failure != null) {
        events.add(new Lost(number, "publish of the retained " + kind + " failed: " + failure));
        wake();
      }
    });
    budget.spend(ByteBudget.wireBytes(settings.topic(kind), payload.length, true));
  }

  /**
   * Publishes one message. On success the frame's {@code acked} event, or the agent's future,
   * goes to the uplink thread; a failure of a frame drops the connection.
   */
  private void publish(Topics.Kind kind, byte[] payload, int qos, boolean retained, Acked acked, CompletableFuture<Void> agent) {
    String topic = settings.topic(kind);
    long number = sessionNumber;
    try {
      session.publish(topic, payload, qos, retained, failure -> {
        if (agent != null) {
          events.add(new AgentDone(agent, number, failure));
        } else if (failure == null && acked != null) {
          events.add(acked);
        } else if (failure != null) {
          events.add(new Lost(number, "publish on " + topic + " failed: " + failure));
        }
        wake();
      });
      budget.spend(ByteBudget.wireBytes(topic, payload.length, qos == 1));
    } catch (IOException e) {
      lastError = "publish: " + e.getMessage();
      if (agent != null) {
        agentsInFlight.remove(agent);
        agent.completeExceptionally(e);
      }
      lost = true;
    }
  }

  /** On a clean stop: the retained OFFLINE status, then DISCONNECT. */
  private void goodbye() {
    PahoSession s = session;
    if (s != null) {
      s.goodbye(settings.topic(Topics.Kind.STATUS), offline);
    }
    dropSession();
  }

  /** Stops the thread: publishes OFFLINE and disconnects if connected. Idempotent. */
  @Override
  public void close() {
    stopping = true;
    wake();
    if (thread.isAlive() && Thread.currentThread() != thread) {
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    state = State.STOPPED;
  }
}

// Uplink is over 400 lines: it keeps the connection's lifecycle (connect, lose, reconnect, new
// settings, stop) and the few hooks the pole sets on it (state listeners, the gate's admission,
// oversized messages); what had a reason of its own went to PublishWindow, SubscriptionSync,
// ConnectionLiveness, Connection, LinkStates and Turns.
package io.mast.runtime.uplink;

import io.mast.protocol.Topics;
import io.mast.store.RingStore;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
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
 * <p>This class is the connection's lifecycle: connect, lose, reconnect, adopt new settings,
 * stop. Its reasons live apart: what goes next and the cursors ({@link PublishWindow}), the
 * agents' subscriptions ({@link SubscriptionSync}), the liveness rule ({@link ConnectionLiveness}),
 * the connection in use and its events ({@link Connection}).
 *
 * <p><b>Outbox.</b> The store is the only outbox of readings. The uplink publishes only while
 * connected; after every (re)connect it starts again from the store's acknowledged cursors and
 * sends everything unacknowledged. Frames are cut by {@link FrameCutter}, so a frame sent again
 * is the same frame and the platform drops it as a duplicate.
 *
 * <p><b>What goes next.</b> Alarms first, then the agents' messages ({@link #publish}), then
 * telemetry oldest first, within the in-flight window, the bandwidth cap and the daily budget
 * ({@link PublishWindow}).
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
 * <p><b>Threads.</b> The loop ({@code mast-uplink}) runs in turns on a serial executor over a
 * pool the pole may share with others ({@link Turns}): one turn at a time owns the session, the
 * cutter, the window and every cursor, and alone calls Paho. Paho's callbacks only queue an event
 * and wake it (or hand a message to the subscribers' non-blocking handlers), so no Paho call ever
 * runs on, or blocks, a callback thread. See {@code edge-runtime/CONCURRENCY.md}.
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

  /** New settings and who waits for the uplink thread to take them. */
  private record Adoption(UplinkSettings settings, CompletableFuture<Void> taken) {}

  private volatile UplinkSettings settings;
  /** Settings of a new config, taken over by the uplink thread at its next turn. */
  private final AtomicReference<Adoption> nextSettings = new AtomicReference<>();
  private final RandomGenerator random;
  private volatile java.util.function.ObjLongConsumer<String> onOversized = (topic, bytes) -> { };
  private volatile java.util.function.Predicate<String> admit = topic -> true;
  private final Clock clock;
  private final Connection conn = new Connection(this::wake);
  private final SubscriptionSync subscriptions = new SubscriptionSync(this::wake);
  private final PublishWindow out;
  private volatile Reconnects reconnects;
  private volatile ConnectionLiveness liveness;
  private final LinkStates states;
  private final Turns turns;
  private final ScheduledExecutorService ticks;
  /** Where the MQTT client runs its work; null for threads of its own (see {@link io.mast.seams.PoleThreads#mqtt}). */
  private volatile ScheduledExecutorService mqtt;
  private volatile String broker = "";
  private volatile long connectedAt;
  private volatile int connects;

  /**
   * @param online retained birth payload ({@code Status ONLINE}); {@code offline} the last will
   * @param progress run on the uplink thread after the store's cursors moved or the connection
   *     state changed; it must return at once (it may notify a waiter, never wait itself)
   * @param loop where the loop's turns run, one at a time (a serial executor; it may block in a
   *     connect); {@code ticks} schedules its timed wake-ups and Paho's keepalive pings
   */
  public Uplink(UplinkSettings settings, RingStore store, ProfileHistory profiles, int maxFrameBytes, byte[] online, byte[] offline,
      Clock clock, RandomGenerator random, Runnable progress, Executor loop, ScheduledExecutorService ticks) {
    this.settings = settings;
    this.states = new LinkStates(progress);
    this.clock = clock;
    this.random = random;
    this.out = new PublishWindow(settings, store, profiles, maxFrameBytes, online, offline, conn, clock, progress);
    derive(settings);
    this.ticks = ticks;
    this.turns = new Turns(loop, ticks, this::turn, this::finish);
  }

  /** What follows from the settings: the reconnect schedule and the liveness rule. */
  private void derive(UplinkSettings s) {
    this.reconnects = new Reconnects(new Backoff(s.reconnectMin(), s.reconnectMax(), random), System::nanoTime, Logger::warn);
    this.liveness = new ConnectionLiveness(s.ackTimeout());
  }

  public void start() {
    turns.wake();
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
    PahoSession s = conn.session();
    if (s != null && !conn.lost()) {
      s.goodbye(settings.topic(Topics.Kind.STATUS), out.offline());
    }
    dropSession();
    settings = next;
    out.settings(next);
    derive(next);
    Logger.info("uplink: new settings; connecting to {}", String.join(", ", next.brokerUris()));
  }

  /** New limits (daily byte budget, bandwidth cap; 0: none) from now on, on the same connection. Any thread. */
  public void limits(long dailyBytes, long bytesPerSecond) {
    out.budget().limits(dailyBytes, bytesPerSecond);
    wake();
  }

  /** New durable records or alarms may be there: look again. Any thread, never blocks. */
  public void wake() {
    turns.wake();
  }

  /**
   * The profile history has a new current profile: it is published (retained) at once while
   * connected, and at every connect from now on. Records taken before it still go under theirs.
   */
  public void profileChanged() {
    out.profileChanged();
    wake();
  }

  /**
   * A new birth status and last will (the config version changed or was confirmed): the birth
   * is published (retained) at once while connected; the will goes with the next connect.
   */
  public void status(byte[] birth, byte[] will) {
    out.status(birth, will);
    wake();
  }

  /** Queues a health report (QoS 0); a newer one replaces one not yet sent. */
  public void offerHealth(byte[] payload) {
    out.offerHealth(payload);
    wake();
  }

  public Stats stats() {
    State state = states.get();
    return out.stats(state, broker, connects, conn.lastError(), connectedAt,
        state == State.WAITING ? Math.max(0, reconnects.remainingNanos() / 1_000_000) : 0);
  }

  // ---------------------------------------------------------------- Link, for the agents

  @Override
  public CompletableFuture<Void> publish(Topics.Kind kind, byte[] payload, boolean retained) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (turns.stopping()) {
      done.completeExceptionally(new IOException("the link is stopped"));
    } else if (!out.offer(kind, payload, retained, done)) {
      done.completeExceptionally(new IOException("the link's outbox is full (" + OUTBOX + " messages wait); try again later"));
    } else {
      wake();
    }
    return done;
  }

  @Override
  public Subscription subscribe(String topicFilter, BiConsumer<String, byte[]> handler) {
    return subscriptions.subscribe(topicFilter, handler);
  }

  /**
   * Why the uplink loop is not turning, or null when it is: it turns at least every 30 s
   * (connected, every few seconds), so a loop that has not turned for {@code limit} is stuck.
   * For a supervisor's watchdog. Any thread.
   */
  public String stuck(Duration limit) {
    return turns.stopping() ? null : liveness.stuck(limit);
  }

  @Override
  public boolean bulkAllowed() {
    return !out.telemetryHeld() && !out.budget().overDailyBudget();
  }

  @Override
  public void spendBulk(long bytes) {
    out.budget().spend(bytes);
  }

  @Override
  public String topic(Topics.Kind kind) {
    return settings.topic(kind);
  }

  @Override
  public State state() {
    return states.get();
  }

  /**
   * Who is told of a message over the inbound cap, emptied before the MQTT client read it (its
   * topic and payload size), on Paho's receiving thread: must not block. One listener; any thread.
   */
  public void onOversized(java.util.function.ObjLongConsumer<String> listener) {
    this.onOversized = listener;
  }

  /** Keeps the day's spending against the daily budget in {@code file}, so a restart does not start it afresh. Before {@link #start}. */
  public void budgetLedger(io.mast.seams.DurableFiles files, java.nio.file.Path file) {
    out.budget().ledger(files, file);
  }

  /**
   * Who decides, for each message from the broker, whether its payload is wanted at all (the
   * pole's gate: a control topic whose verification budget is spent). One not wanted is dropped
   * at the socket, before the MQTT client allocates or dispatches it; on Paho's receiving thread:
   * must not block. Any thread.
   */
  public void admit(java.util.function.Predicate<String> filter) {
    this.admit = filter;
  }

  @Override
  public void onStateChange(Consumer<State> listener) {
    states.listen(listener);
  }

  // ---------------------------------------------------------------- the uplink thread

  /** One turn of the loop; it asks for the next before it returns. */
  private void turn() {
    liveness.turned();
    try {
      Adoption next = nextSettings.getAndSet(null);
      if (next != null) {
        adopt(next.settings());
        next.taken().complete(null);
      }
      if (conn.session() == null) {
        if (!reconnects.due()) {
          // the loop turns at least this often, for the watchdog
          turns.within(Math.min(reconnects.remainingNanos(), ConnectionLiveness.MAX_IDLE_TURN));
          return;
        }
        if (!connect()) {
          states.set(State.WAITING);
          reconnects.failed(String.join(", ", settings.brokerUris()), conn.lastError());
          turns.wake();
          return;
        }
      }
      handleEvents();
      String dead = conn.lost() ? conn.lastError() : liveness.dead(conn.session(), out.oldestUnacked());
      if (dead != null) {
        // a refused publish or a failed ack after the broker's violation: the violation is why
        String violation = conn.session().violation();
        dead = violation != null ? violation : dead;
        conn.lastError(dead);
        String from = broker;
        dropSession();
        reconnects.lost(from, dead);
        turns.wake();
        return;
      }
      if (subscriptions.pending()) {
        subscriptions.sync(conn.session());
      }
      turns.within(Math.min(out.pump(), liveness.tick()));
    } catch (IOException e) {
      conn.lastError("store: " + e.getMessage());
      Logger.error("uplink: {}", conn.lastError());
      turns.within(TimeUnit.SECONDS.toNanos(1));
    } catch (RuntimeException e) {
      conn.lastError(e.toString());
      Logger.error(e, "uplink: unexpected failure; dropping the connection");
      dropSession();
      turns.within(TimeUnit.SECONDS.toNanos(1));
    }
  }

  /** The last turn: OFFLINE said and the connection closed, the waiting agents failed, STOPPED. */
  private void finish() {
    goodbye();
    out.budget().save();
    Adoption left = nextSettings.getAndSet(null);
    if (left != null) {
      left.taken().complete(null);
    }
    out.failAgents("the link stopped", true);
    states.set(State.STOPPED);
  }

  /** The executor of the MQTT client's work from the next connect on; null (the default) for threads of its own. */
  public void mqttExecutor(ScheduledExecutorService executor) {
    this.mqtt = executor;
  }

  private boolean connect() {
    states.set(State.CONNECTING);
    long number = conn.attempt();
    PahoSession session;
    try {
      session = PahoSession.connect(settings, settings.topic(Topics.Kind.STATUS), out.offline(), ticks, mqtt, new PahoSession.Listener() {
        @Override
        public void lost(Throwable cause) {
          conn.report(new UplinkEvent.Lost(number, PahoSession.reason(cause)));
        }

        @Override
        public void message(String topic, byte[] payload) {
          if (number == conn.number()) {
            subscriptions.deliver(topic, payload);
          }
        }

        @Override
        public void oversized(String topic, long payloadBytes) {
          onOversized.accept(topic, payloadBytes);
        }

        @Override
        public boolean wanted(String topic) {
          return admit.test(topic);
        }
      });
    } catch (IOException e) {
      conn.lastError(e.getMessage());
      return false;
    }
    conn.opened(session);
    broker = session.serverUri();
    connects++;
    connectedAt = clock.millis();
    reconnects.connected();
    Logger.info("uplink: connected to {} as {}", broker, settings.clientId());
    try {
      out.connected();
      subscriptions.connected();
      states.set(State.CONNECTED);
      return true;
    } catch (IOException e) {
      // the broker's violation, if there was one, is why Paho now says "not connected"
      String violation = session.violation();
      conn.lastError(violation != null ? violation : e.getMessage());
      dropSession();
      return false;
    }
  }

  private void dropSession() {
    PahoSession s = conn.take();
    if (s != null) {
      s.close();
    }
    out.failAgents("the connection was lost before the broker acknowledged it", turns.stopping());
    if (!turns.stopping()) {
      states.set(State.WAITING);
    }
  }

  private void handleEvents() {
    for (UplinkEvent e; (e = conn.poll()) != null; ) {
      if (e instanceof UplinkEvent.Lost l && l.session() == conn.number()) {
        conn.lose(l.why());
      } else if (e instanceof UplinkEvent.Acked a && a.session() == conn.number()) {
        out.acked(a);
      } else if (e instanceof UplinkEvent.AgentDone d) {
        out.agentDone(d);
      }
    }
  }

  /** On a clean stop: the retained OFFLINE status, then DISCONNECT. */
  private void goodbye() {
    PahoSession s = conn.session();
    if (s != null) {
      s.goodbye(settings.topic(Topics.Kind.STATUS), out.offline());
    }
    dropSession();
  }

  /** Stops the loop: publishes OFFLINE and disconnects if connected (waits at most 10 s for it). Idempotent. */
  @Override
  public void close() {
    turns.stop(Duration.ofSeconds(10));
    states.stopped();
  }
}

package io.mast.runtime.uplink;

import io.mast.protocol.FrameEncoder;
import io.mast.protocol.Topics;
import io.mast.runtime.store.RingStore;
import io.mast.runtime.store.StoreStats;
import io.mast.runtime.store.StoredAlarm;
import io.mast.runtime.store.StoredRecord;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.random.RandomGenerator;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.tinylog.Logger;

/**
 * The MQTT uplink: sends what the ring store holds and moves its acknowledged cursors on PUBACK.
 *
 * <p><b>Outbox.</b> The store is the only outbox. Paho keeps nothing on disk (memory persistence)
 * and its automatic reconnect and offline buffer are off: they lose messages across a broker
 * restart. The uplink publishes only while connected; after every (re)connect it starts again
 * from the store's acknowledged cursors and sends everything unacknowledged, alarms first, then
 * telemetry oldest first. Frames are cut by {@link FrameCutter}, so a frame sent again is the same
 * frame and the platform drops it as a duplicate.
 *
 * <p><b>Flow.</b> At most {@code inflightWindow} frames await their PUBACK (Paho's own limit is set
 * a little higher, for status and profile). The acknowledged cursor moves only over a prefix of
 * acknowledged frames, so out-of-order PUBACKs never acknowledge an unsent record. Sends wait for
 * the bandwidth cap; routine sends (telemetry, health) stop for the rest of the UTC day when the
 * daily budget is spent, alarms, status and profile do not.
 *
 * <p><b>Connection.</b> Persistent session (clean session off), long keepalive, retained last
 * will {@code OFFLINE} on the status topic; on connect a retained {@code ONLINE} birth and the
 * retained profile. Reconnects wait {@link Backoff exponential backoff with full jitter}. A clean
 * stop publishes {@code OFFLINE} itself, since the broker sends the will only on a lost link.
 *
 * <p><b>Threads.</b> One thread, {@code mast-uplink}, owns the client, the cutter and every
 * cursor; it is the only one that calls Paho. Paho's callbacks only queue an event and wake it,
 * so no Paho call ever runs on, or blocks, a callback thread. See {@code edge-runtime/CONCURRENCY.md}.
 */
public final class Uplink implements AutoCloseable {
  /** What the uplink is doing. */
  public enum State { CONNECTING, CONNECTED, WAITING, STOPPED }

  /**
   * Figures since start.
   *
   * @param framesSent telemetry and alarm frames published (resends included)
   * @param framesAcked telemetry and alarm frames acknowledged
   * @param readingsAcked readings in acknowledged telemetry frames
   * @param ackRttMillis publish to PUBACK, a moving mean over about 16 frames
   */
  public record Stats(State state, String broker, int connects, long framesSent, long framesAcked, long readingsAcked,
      long alarmsAcked, long bytesToday, long bytesTotal, int ackRttMillis, int inFlight, long droppedRecords,
      boolean overBudget, String lastError) {}

  private record Sent(long frameSeq, long lastRecord, int readings, long sentNanos, boolean[] acked) {}

  private record Event(long frameSeq, boolean alarm, long generation, String failure) {}

  private final UplinkSettings settings;
  private final RingStore store;
  private final FrameCutter cutter;
  private final FrameEncoder encoder;
  private final byte[] profile;
  private final byte[] online;
  private final byte[] offline;
  private final Backoff backoff;
  private final ByteBudget budget;
  private final Queue<Event> events = new ConcurrentLinkedQueue<>();
  private final AtomicReference<byte[]> health = new AtomicReference<>();
  private final Object signal = new Object();
  private final Runnable progress;
  private final Thread thread;
  private final ArrayDeque<Sent> telemetry = new ArrayDeque<>();
  private final ArrayDeque<Sent> alarms = new ArrayDeque<>();
  private final List<StoredRecord> ahead = new ArrayList<>();
  private boolean woken;
  private volatile boolean stopping;
  private volatile State state = State.CONNECTING;
  private volatile String broker = "";
  private volatile String lastError = "";
  private MqttAsyncClient client;
  private long generation;
  private volatile boolean lost;
  private long nextRecord;
  private long nextAlarm;
  private volatile int connects;
  private volatile long framesSent;
  private volatile long framesAcked;
  private volatile long readingsAcked;
  private volatile long alarmsAcked;
  private volatile long dropped;
  private volatile double rttMillis;
  private volatile int inFlight;
  private boolean budgetLogged;

  /**
   * @param online retained birth payload ({@code Status ONLINE}); {@code offline} the last will
   * @param progress run on the uplink thread after the store's cursors moved or the connection
   *     state changed; it must return at once (it may notify a waiter, never wait itself)
   */
  public Uplink(UplinkSettings settings, RingStore store, FrameEncoder encoder, byte[] online, byte[] offline,
      Clock clock, RandomGenerator random, Runnable progress) {
    this.settings = settings;
    this.progress = progress;
    this.store = store;
    this.encoder = encoder;
    this.cutter = new FrameCutter(encoder);
    this.profile = encoder.profile().toBytes();
    this.online = online.clone();
    this.offline = offline.clone();
    this.backoff = new Backoff(settings.reconnectMin(), settings.reconnectMax(), random);
    this.budget = new ByteBudget(settings.dailyBudgetBytes(), settings.bandwidthBytesPerSecond(), clock, System::nanoTime);
    this.thread = new Thread(this::run, "mast-uplink");
    this.thread.setDaemon(true);
  }

  public void start() {
    thread.start();
  }

  /** New durable records or alarms may be there: look again. Any thread, never blocks. */
  public void wake() {
    synchronized (signal) {
      woken = true;
      signal.notifyAll();
    }
  }

  /** Queues a health report (QoS 0); a newer one replaces one not yet sent. */
  public void offerHealth(byte[] payload) {
    health.set(payload.clone());
    wake();
  }

  public Stats stats() {
    return new Stats(state, broker, connects, framesSent, framesAcked, readingsAcked, alarmsAcked,
        budget.spentToday(), budget.total(), (int) Math.round(rttMillis), inFlight, dropped,
        budget.overDailyBudget(), lastError);
  }

  // ---------------------------------------------------------------- the uplink thread

  private void run() {
    while (!stopping) {
      try {
        if (client == null) {
          if (!connect()) {
            state = State.WAITING;
            long delay = backoff.next().toNanos();
            Logger.info("uplink: next connection attempt in {} ms", delay / 1_000_000);
            await(delay);
            continue;
          }
        }
        handleEvents();
        if (lost) {
          dropClient();
          continue;
        }
        await(pump());
      } catch (IOException e) {
        lastError = "store: " + e.getMessage();
        Logger.error("uplink: {}", lastError);
        await(TimeUnit.SECONDS.toNanos(1));
      } catch (RuntimeException e) {
        lastError = e.toString();
        Logger.error(e, "uplink: unexpected failure; dropping the connection");
        dropClient();
        await(TimeUnit.SECONDS.toNanos(1));
      }
    }
    goodbye();
    state = State.STOPPED;
    progress.run();
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
    state = State.CONNECTING;
    generation++;
    long gen = generation;
    MqttAsyncClient c = null;
    try {
      c = new MqttAsyncClient(settings.brokerUris().get(0), settings.clientId(), new MemoryPersistence());
      c.setCallback(new MqttCallback() {
        @Override
        public void connectionLost(Throwable cause) {
          events.add(new Event(-1, false, gen, "connection lost: " + cause));
          wake();
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
          // nothing is subscribed yet
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
          // acknowledgements arrive through each publish's listener
        }
      });
      c.connect(options()).waitForCompletion(settings.connectTimeout().toMillis() + 1000);
      client = c;
      lost = false;
      broker = c.getCurrentServerURI();
      connects++;
      backoff.reset();
      state = State.CONNECTED;
      progress.run();
      Logger.info("uplink: connected to {} as {}", broker, settings.clientId());
      restartFromStore();
      publishEssential(Topics.Kind.STATUS, online, true);
      publishEssential(Topics.Kind.PROFILE, profile, true);
      return true;
    } catch (MqttException | IOException e) {
      lastError = "connect: " + e.getMessage();
      Logger.warn("uplink: connecting to {} failed: {}", settings.brokerUris(), e.getMessage());
      if (c != null) {
        client = c;
        dropClient();
      }
      return false;
    }
  }

  private MqttConnectOptions options() {
    MqttConnectOptions o = new MqttConnectOptions();
    o.setServerURIs(settings.brokerUris().toArray(new String[0]));
    o.setCleanSession(false);
    o.setAutomaticReconnect(false);
    o.setKeepAliveInterval((int) settings.keepAlive().toSeconds());
    o.setConnectionTimeout((int) settings.connectTimeout().toSeconds());
    o.setMaxInflight(settings.inflightWindow() + 4);
    o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
    o.setWill(settings.topic(Topics.Kind.STATUS), offline, 1, true);
    if (settings.socketFactory() != null) {
      o.setSocketFactory(settings.socketFactory());
    }
    if (settings.username() != null) {
      o.setUserName(settings.username());
    }
    if (settings.password() != null) {
      o.setPassword(settings.password());
    }
    return o;
  }

  /** After a connect: forget what was in flight and send everything unacknowledged again. */
  private void restartFromStore() throws IOException {
    telemetry.clear();
    alarms.clear();
    inFlight = 0;
    ahead.clear();
    events.removeIf(e -> e.failure() != null);
    StoreStats s = store.stats();
    nextRecord = Math.max(s.readings().ackedSeq() + 1, s.readings().firstSeq());
    nextAlarm = Math.max(s.alarms().ackedSeq() + 1, s.alarms().firstSeq());
  }

  private void dropClient() {
    MqttAsyncClient c = client;
    client = null;
    lost = false;
    if (c != null) {
      try {
        c.disconnectForcibly(0, 100, false);
      } catch (MqttException e) {
        // already down
      }
      try {
        c.close(true);
      } catch (MqttException e) {
        Logger.debug("uplink: closing the client: {}", e.getMessage());
      }
    }
    if (!stopping) {
      state = State.WAITING;
    }
    progress.run();
  }

  private void handleEvents() throws IOException {
    Event e;
    while ((e = events.poll()) != null) {
      if (e.failure() != null) {
        if (e.generation() == generation) {
          lastError = e.failure();
          Logger.warn("uplink: {}", e.failure());
          lost = true;
        }
      } else {
        acknowledged(e.alarm() ? alarms : telemetry, e.frameSeq(), e.alarm());
      }
    }
  }

  /** Marks a frame acknowledged and moves the store's cursor over the acknowledged prefix. */
  private void acknowledged(ArrayDeque<Sent> pending, long frameSeq, boolean alarm) {
    for (Sent s : pending) {
      if (s.frameSeq() == frameSeq && !s.acked()[0]) {
        s.acked()[0] = true;
        double sample = (System.nanoTime() - s.sentNanos()) / 1e6;
        rttMillis = rttMillis == 0 ? sample : rttMillis + (sample - rttMillis) / 16;
        break;
      }
    }
    advance(pending, alarm);
  }

  /** Pops the acknowledged head of {@code pending} and moves the store's cursor past it. */
  private void advance(ArrayDeque<Sent> pending, boolean alarm) {
    long cursor = -1;
    while (!pending.isEmpty() && pending.peekFirst().acked()[0]) {
      Sent s = pending.pollFirst();
      cursor = s.lastRecord();
      if (s.sentNanos() > 0) {
        framesAcked++;
        if (alarm) {
          alarmsAcked++;
        } else {
          readingsAcked += s.readings();
        }
      }
    }
    inFlight = telemetry.size() + alarms.size();
    if (cursor >= 0) {
      if (alarm) {
        store.ackAlarms(cursor);
      } else {
        store.ack(cursor);
      }
      progress.run();
    }
  }

  /** Sends what the window, the cap and the budget allow; returns how long to wait before trying again. */
  private long pump() throws IOException {
    byte[] h = health.get();
    if (h != null && !budget.overDailyBudget()
        && budget.waitNanos(ByteBudget.wireBytes(settings.topic(Topics.Kind.HEALTH), h.length, false)) == 0) {
      health.set(null);
      publish(Topics.Kind.HEALTH, h, 0, false, null);
    }
    long idle = TimeUnit.MINUTES.toNanos(1);
    while (telemetry.size() + alarms.size() < settings.inflightWindow() && client != null && !lost) {
      List<StoredAlarm> next = store.readAlarms(nextAlarm, 1);
      if (!next.isEmpty()) {
        StoredAlarm a = next.get(0);
        var ev = a.alarm();
        byte[] payload = encoder.encodeAlarm(ev.reading(), FrameCutter.alarmSeq(a.seq()), ev.rule(), ev.raised(), ev.threshold());
        long wait = budget.waitNanos(ByteBudget.wireBytes(settings.topic(Topics.Kind.ALARM), payload.length, true));
        if (wait > 0) {
          return wait;
        }
        sendFrame(Topics.Kind.ALARM, payload, new Sent(FrameCutter.alarmSeq(a.seq()), a.seq(), 1, System.nanoTime(), new boolean[1]), alarms);
        nextAlarm = a.seq() + 1;
        continue;
      }
      if (budget.overDailyBudget()) {
        if (!budgetLogged) {
          Logger.warn("uplink: daily byte budget of {} bytes spent; telemetry waits for the next UTC day", budget.dailyBytes());
          budgetLogged = true;
        }
        return idle;
      }
      budgetLogged = false;
      Optional<FrameCutter.Cut> cut = nextCut();
      if (cut.isEmpty()) {
        return idle;
      }
      FrameCutter.Cut c = cut.get();
      if (!c.hasFrame()) {
        if (c.dropped() != null) {
          dropped++;
          lastError = c.dropped();
          Logger.error("uplink: dropped {}", c.dropped());
        }
        // nothing to send: passed over in order, once the frames before it are acknowledged
        telemetry.add(new Sent(-1, c.lastRecord(), 0, 0, new boolean[] {true}));
        consumed(c);
        advance(telemetry, false);
        continue;
      }
      long wait = budget.waitNanos(ByteBudget.wireBytes(settings.topic(Topics.Kind.TELEMETRY), c.frame().bytes().length, true));
      if (wait > 0) {
        return wait;
      }
      sendFrame(Topics.Kind.TELEMETRY, c.frame().bytes(),
          new Sent(c.frame().seq(), c.lastRecord(), c.frame().readings(), System.nanoTime(), new boolean[1]), telemetry);
      consumed(c);
    }
    return idle;
  }

  private Optional<FrameCutter.Cut> nextCut() throws IOException {
    while (true) {
      Optional<FrameCutter.Cut> cut = cutter.next(ahead);
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

  private void sendFrame(Topics.Kind kind, byte[] payload, Sent sent, ArrayDeque<Sent> pending) {
    pending.add(sent);
    inFlight = telemetry.size() + alarms.size();
    framesSent++;
    publish(kind, payload, 1, false, sent);
  }

  private void publishEssential(Topics.Kind kind, byte[] payload, boolean retained) {
    publish(kind, payload, 1, retained, null);
  }

  private void publish(Topics.Kind kind, byte[] payload, int qos, boolean retained, Sent tracked) {
    String topic = settings.topic(kind);
    long gen = generation;
    boolean alarm = kind == Topics.Kind.ALARM;
    try {
      client.publish(topic, payload, qos, retained, null, new IMqttActionListener() {
        @Override
        public void onSuccess(IMqttToken token) {
          if (tracked != null) {
            events.add(new Event(tracked.frameSeq(), alarm, gen, null));
            wake();
          }
        }

        @Override
        public void onFailure(IMqttToken token, Throwable e) {
          events.add(new Event(-1, alarm, gen, "publish on " + topic + " failed: " + e));
          wake();
        }
      });
      budget.spend(ByteBudget.wireBytes(topic, payload.length, qos == 1));
    } catch (MqttException e) {
      lastError = "publish: " + e.getMessage();
      Logger.warn("uplink: publishing on {} failed ({}); reconnecting", topic, e.getMessage());
      lost = true;
    }
  }

  /** On a clean stop: the retained OFFLINE status, then DISCONNECT. */
  private void goodbye() {
    MqttAsyncClient c = client;
    if (c != null && c.isConnected()) {
      try {
        c.publish(settings.topic(Topics.Kind.STATUS), offline, 1, true).waitForCompletion(2000);
        c.disconnect(2000).waitForCompletion(3000);
      } catch (MqttException e) {
        Logger.debug("uplink: clean disconnect failed: {}", e.getMessage());
      }
    }
    dropClient();
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

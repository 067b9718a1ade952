package io.mast.tools;

import io.mast.protocol.Channel;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.DecodedFrame;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.MessageText;
import io.mast.protocol.Reading;
import io.mast.protocol.Topics;
import java.math.BigDecimal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import io.mast.seams.QuietLog;
import org.tinylog.Logger;

/**
 * The platform's consumer behind {@code mast ingest}: what poles send, taken from the broker on
 * shared subscriptions ({@code $share/GROUP/...}: the broker hands each message to one instance
 * of the group) and written to PostgreSQL ({@link IngestSchema}), so that throughput grows by
 * adding instances.
 *
 * <p><b>Exactly once.</b> The session is persistent and acknowledgements are manual: a message is
 * acknowledged only after the transaction holding its rows committed. An instance that dies (a
 * SIGKILL included) before that gets its unacknowledged messages again when it reconnects with
 * the same client id, and the inserts are idempotent, so each reading is one row whatever was
 * delivered twice.
 *
 * <p><b>Profiles.</b> A frame names its profile; the profiles are kept in the database as they
 * arrive, and each instance also subscribes to every pole's retained profile directly (a shared
 * subscription gets no retained messages), so a new instance decodes at once. A frame whose
 * profile is not known yet is held unacknowledged and tried again at each batch (at most
 * {@link #HELD} of them; beyond that they wait at the broker, unacknowledged).
 *
 * <p>Threads: Paho's callback thread queues each message ({@value #QUEUE} at most, then it
 * waits, and so does the broker); one writer thread takes batches of up to {@code batch} messages
 * or what came within {@code linger}.
 */
final class PlatformIngest implements AutoCloseable {
  static final int QUEUE = 10_000;
  static final int HELD = 10_000;

  /**
   * Figures since start. {@code readings} are the readings of the frames written, each an insert
   * that the database ignores when the row is there already (a batch rewritten into multi-row
   * inserts does not say which were), so they count work done, not rows added.
   */
  record Counts(long messages, long batches, long frames, long readings, long alarms, long events, long profiles, long held,
      long bad) {}

  private record Message(int id, int qos, String topic, byte[] payload) {}

  private final MqttClient client;
  private final MqttConnectOptions options;
  private final String[] filters;
  private final Topics topics;
  private final DataSource db;
  private final int batch;
  private final Duration linger;
  private final BlockingQueue<Message> queue = new ArrayBlockingQueue<>(QUEUE);
  private final List<Message> held = new ArrayList<>();
  private final Thread writer;
  private final java.util.concurrent.ExecutorService resubscriber = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "mast-ingest-subscribe");
    t.setDaemon(true);
    return t;
  });
  private volatile boolean running = true;
  private final AtomicLong messages = new AtomicLong();
  private final AtomicLong batches = new AtomicLong();
  private final AtomicLong frames = new AtomicLong();
  private final AtomicLong readingRows = new AtomicLong();
  private final AtomicLong alarms = new AtomicLong();
  private final AtomicLong events = new AtomicLong();
  private final AtomicLong profileCount = new AtomicLong();
  private final AtomicLong bad = new AtomicLong();
  private final IngestProfiles profiles = new IngestProfiles(bad::incrementAndGet);
  /** Refusals and failures an outsider can repeat: one line per reason per minute, with a count. */
  private final QuietLog quiet = new QuietLog(System::nanoTime, line -> Logger.warn(line));

  /**
   * Connects as {@code clientId} (persistent session: keep it the same across restarts of this
   * instance, different from every other instance) and starts writing.
   */
  PlatformIngest(String broker, MqttConnectOptions options, String clientId, String share, Topics topics, DataSource db, int batch,
      Duration linger) throws MqttException {
    this.topics = topics;
    this.db = db;
    this.batch = batch;
    this.linger = linger;
    this.options = options;
    List<String> f = new ArrayList<>();
    for (Topics.Kind k : List.of(Topics.Kind.TELEMETRY, Topics.Kind.ALARM, Topics.Kind.PROFILE, Topics.Kind.STATUS,
        Topics.Kind.HEALTH, Topics.Kind.CONFIG_ACK, Topics.Kind.OTA_STATUS, Topics.Kind.AUDIT)) {
      f.add("$share/" + share + "/" + topics.filter(k));
    }
    f.add(topics.filter(Topics.Kind.PROFILE)); // the retained profiles, which a shared subscription is not given
    this.filters = f.toArray(String[]::new);
    options.setCleanSession(false);
    options.setAutomaticReconnect(true);
    options.setMaxReconnectDelay(5_000);
    this.client = new MqttClient(broker, clientId, new MemoryPersistence());
    client.setManualAcks(true);
    client.setCallback(new MqttCallbackExtended() {
      @Override
      public void connectComplete(boolean reconnect, String serverUri) {
        if (reconnect) {
          // not on Paho's callback thread: a blocking subscribe there waits for a SUBACK queued behind
          // the messages the session kept, which that same thread must hand over first
          resubscriber.execute(PlatformIngest.this::subscribe);
        }
      }

      @Override
      public void connectionLost(Throwable cause) {
        quiet.say("ingest: connection to the broker lost (" + cause + "); reconnecting");
      }

      @Override
      public void messageArrived(String topic, MqttMessage m) throws InterruptedException {
        queue.put(new Message(m.getId(), m.getQos(), topic, m.getPayload()));
      }

      @Override
      public void deliveryComplete(IMqttDeliveryToken token) {}
    });
    this.writer = new Thread(this::write, "mast-ingest-writer");
    writer.setDaemon(true);
    writer.start();
    client.connect(options);
    subscribe();
  }

  private void subscribe() {
    try {
      int[] qos = new int[filters.length];
      Arrays.fill(qos, 1);
      client.subscribe(filters, qos);
    } catch (MqttException e) {
      quiet.say("ingest: subscribing failed (" + e.getMessage() + "); the next reconnect tries again");
    }
  }

  Counts counts() {
    synchronized (held) {
      return new Counts(messages.get(), batches.get(), frames.get(), readingRows.get(), alarms.get(), events.get(),
          profileCount.get(), held.size(), bad.get());
    }
  }

  private void write() {
    List<Message> taken = new ArrayList<>();
    while (running) {
      try {
        taken.clear();
        Message first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null && held.isEmpty()) {
          continue;
        }
        if (first != null) {
          taken.add(first);
          long until = System.nanoTime() + linger.toNanos();
          while (taken.size() < batch) {
            Message m = queue.poll(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (m == null) {
              break;
            }
            taken.add(m);
          }
        }
        writeBatch(taken);
      } catch (InterruptedException e) {
        return;
      } catch (SQLException | RuntimeException e) {
        // nothing of the batch was acknowledged: the broker delivers it again after a reconnect
        quiet.say("ingest: a batch failed (" + e.getMessage() + "); its messages are taken again after a reconnect");
        reconnectForRedelivery();
      }
    }
  }

  /** Unacknowledged messages come again only on a new connection of the session. */
  private void reconnectForRedelivery() {
    try {
      client.disconnect(5_000);
      client.connect(options);
      subscribe();
    } catch (MqttException e) {
      quiet.say("ingest: reconnecting after a failed batch failed (" + e.getMessage() + ")");
    }
  }

  private void writeBatch(List<Message> fresh) throws SQLException {
    List<Message> work;
    synchronized (held) {
      work = new ArrayList<>(held);
      held.clear();
    }
    work.addAll(fresh);
    List<Message> done = new ArrayList<>();
    List<Message> waiting = new ArrayList<>();
    long framesHere = 0;
    long alarmsHere = 0;
    long eventsHere = 0;
    long profilesHere = 0;
    long rowsHere = 0;
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement profileRow = c.prepareStatement(
              "INSERT INTO profiles (device, profile_id, body) VALUES (?, ?, ?) ON CONFLICT DO NOTHING");
          PreparedStatement frameRow = c.prepareStatement(
              "INSERT INTO frames (device, seq, profile_id, readings) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING");
          PreparedStatement readingRow = c.prepareStatement(
              "INSERT INTO readings (device, channel, t, value, seq) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
          PreparedStatement alarmRow = c.prepareStatement(
              "INSERT INTO alarms (device, channel, t, value, seq) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
          PreparedStatement eventRow = c.prepareStatement(
              "INSERT INTO events (device, kind, digest, body, payload) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
        for (Message m : work) {
          Topics.Parsed p = topics.parse(m.topic()).orElse(null);
          if (p == null) {
            bad.incrementAndGet();
            done.add(m);
            continue;
          }
          try {
            switch (p.kind()) {
              case PROFILE -> {
                if (m.payload().length > 0) {
                  ChannelProfile profile = ChannelProfile.parse(m.payload());
                  profiles.seen(p.device(), profile);
                  profileRow.setString(1, p.device());
                  profileRow.setLong(2, profile.id());
                  profileRow.setBytes(3, m.payload());
                  profileRow.addBatch();
                  profilesHere++;
                }
              }
              case TELEMETRY, ALARM -> {
                boolean alarm = p.kind() == Topics.Kind.ALARM;
                IngestProfiles.Decoded d = alarm ? profiles.alarm(c, p.device(), m.payload()) : profiles.frame(c, p.device(), m.payload());
                if (d == null) {
                  waiting.add(m);
                  continue;
                }
                DecodedFrame f = d.frame();
                PreparedStatement rows = alarm ? alarmRow : readingRow;
                for (Reading r : f.readings()) {
                  Channel ch = d.profile().channel(r.channel());
                  rows.setString(1, p.device());
                  rows.setString(2, ch.name());
                  rows.setTimestamp(3, Timestamp.from(java.time.Instant.ofEpochSecond(r.time())));
                  rows.setBigDecimal(4, BigDecimal.valueOf(r.mantissa(), -ch.exponent()));
                  rows.setLong(5, f.seq());
                  rows.addBatch();
                }
                if (alarm) {
                  alarmsHere++;
                } else {
                  frameRow.setString(1, p.device());
                  frameRow.setLong(2, f.seq());
                  frameRow.setLong(3, f.profileId());
                  frameRow.setInt(4, f.readings().size());
                  frameRow.addBatch();
                  framesHere++;
                  rowsHere += f.readings().size();
                }
              }
              case STATUS, HEALTH, CONFIG_ACK, OTA_STATUS, AUDIT -> {
                eventRow.setString(1, p.device());
                eventRow.setString(2, p.kind().suffix());
                eventRow.setBytes(3, digest(m.payload()));
                eventRow.setString(4, MessageText.of(p.kind(), m.payload()));
                eventRow.setBytes(5, m.payload());
                eventRow.addBatch();
                eventsHere++;
              }
              default -> bad.incrementAndGet();
            }
          } catch (FrameFormatException | IllegalArgumentException e) {
            bad.incrementAndGet(); // a message that does not decode: counted, acknowledged, never written
            quiet.say("ingest: a message on " + m.topic() + " does not decode: " + e.getMessage());
          }
          done.add(m);
        }
        profileRow.executeBatch();
        frameRow.executeBatch();
        readingRow.executeBatch();
        alarmRow.executeBatch();
        eventRow.executeBatch();
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        synchronized (held) {
          held.addAll(waiting);
        }
        throw e;
      }
    }
    for (Message m : done) {
      ack(m);
    }
    synchronized (held) {
      for (Message m : waiting) {
        if (held.size() < HELD) {
          held.add(m);
        }
      }
    }
    messages.addAndGet(done.size());
    batches.incrementAndGet();
    frames.addAndGet(framesHere);
    readingRows.addAndGet(rowsHere);
    alarms.addAndGet(alarmsHere);
    events.addAndGet(eventsHere);
    profileCount.addAndGet(profilesHere);
  }

  private static byte[] digest(byte[] payload) {
    try {
      return Arrays.copyOf(MessageDigest.getInstance("SHA-256").digest(payload), 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void ack(Message m) {
    try {
      client.messageArrivedComplete(m.id(), m.qos());
    } catch (MqttException e) {
      // the connection is gone: the broker delivers it again, and the insert is idempotent
    }
  }

  /** Stops taking messages, writes what was taken, acknowledges it and disconnects. */
  @Override
  public void close() throws MqttException, InterruptedException {
    try {
      client.disconnect(5_000);
    } catch (MqttException e) {
      // gone already
    }
    running = false;
    resubscriber.shutdownNow();
    writer.join(30_000);
    client.close(true);
  }
}

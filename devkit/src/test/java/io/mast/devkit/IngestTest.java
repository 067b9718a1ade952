package io.mast.devkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.protocol.ChannelProfile;
import io.mast.protocol.EncodedFrame;
import io.mast.protocol.FrameEncoder;
import io.mast.protocol.Reading;
import io.mast.protocol.StatusMessage;
import io.mast.sim.Mosquitto;
import io.mast.sim.Postgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mast ingest} against Debian's Mosquitto and PostgreSQL: instances in child JVMs sharing
 * one subscription write each reading once, frames published twice included; one killed with
 * SIGKILL mid-run and started again with its client id loses nothing and doubles nothing.
 */
class IngestTest {
  static final int DEVICES = 12;
  static final int FRAMES = 20;
  static final int STEPS = 6;
  static final ChannelProfile PROFILE = IngestBench.PROFILE;

  @TempDir Path dir;
  Mosquitto broker;
  Postgres db;
  final List<ChildRun> children = new ArrayList<>();
  int starts;

  @BeforeEach
  void peers() throws Exception {
    broker = Mosquitto.start(dir.resolve("broker"));
    db = Postgres.start(false);
  }

  @AfterEach
  void stop() throws Exception {
    for (ChildRun c : children) {
      ChildJvm.stop(c.process, 10);
    }
    if (db != null) {
      db.close();
    }
    if (broker != null) {
      broker.stop();
    }
  }

  private ChildRun ingest(String id) throws Exception {
    return ingest(id, broker.uri());
  }

  private ChildRun ingest(String id, String brokerUri) throws Exception {
    ChildRun c = ChildRun.start(dir.resolve(id + "-" + (++starts) + ".log"), Map.of(), "ingest", "--broker", brokerUri, "--share", "platform",
        "--client-id", id, "--jdbc", db.jdbcUrl(), "--batch", "50", "--linger", "50");
    children.add(c);
    String out = c.awaitOutput("ingest: " + id + " takes", Duration.ofSeconds(60));
    assertTrue(out.contains("ingest: " + id + " takes"), out);
    return c;
  }

  private static EncodedFrame frame(int d, int f) {
    return IngestBench.frame(d, f, STEPS);
  }

  private static MqttClient pole(String uri, String id) throws Exception {
    MqttClient c = new MqttClient(uri, id, new MemoryPersistence());
    MqttConnectOptions o = new MqttConnectOptions();
    o.setMaxInflight(1000);
    c.connect(o);
    return c;
  }

  /** Publishes frames {@code from..to-1} of every device, each twice (a resend after a lost PUBACK), with a status. */
  private void publish(int from, int to) throws Exception {
    publish(broker.uri(), 0, DEVICES, from, to);
  }

  /** As {@link #publish(int, int)} for devices {@code first..last-1} on {@code uri}. */
  private void publish(String uri, int first, int last, int from, int to) throws Exception {
    MqttClient c = pole(uri, "poles-" + first + "-" + from);
    for (int d = first; d < last; d++) {
      String device = "pole-" + d;
      c.publish("m/" + device + "/p", PROFILE.toBytes(), 1, true);
      if (from == 0) {
        // an alarm of PM2.5 above 50, sent twice as well
        byte[] alarm = FrameEncoder.builder(PROFILE).build().encodeAlarm(new Reading(0, 1_770_000_005L, 60 + d), 1, 0, true, 50);
        c.publish("m/" + device + "/a", alarm, 1, false);
        c.publish("m/" + device + "/a", alarm, 1, false);
      }
      for (int f = from; f < to; f++) {
        byte[] bytes = frame(d, f).bytes();
        c.publish("m/" + device + "/t", bytes, 1, false);
        c.publish("m/" + device + "/t", bytes, 1, false);
      }
      c.publish("m/" + device + "/s", new StatusMessage(StatusMessage.State.ONLINE, "1.0", 1_770_000_000L, PROFILE.id(), 1, true)
          .toBytes(), 1, true);
    }
    c.disconnect();
    c.close();
  }

  private long count(String sql) throws Exception {
    return IngestBench.count(db.jdbcUrl(), sql);
  }

  /** Every reading of every frame published is one row, every frame one row, every device's profile one row. */
  private void assertEachReadingOnce(String why) throws Exception {
    long all = (long) DEVICES * FRAMES * STEPS * 2;
    assertEquals(all, count("SELECT count(*) FROM readings"), why);
    assertEquals(all, count("SELECT count(DISTINCT (device, channel, t)) FROM readings"));
    assertEquals((long) DEVICES * FRAMES, count("SELECT count(*) FROM frames"));
    assertEquals(DEVICES, count("SELECT count(*) FROM profiles"));
    assertEquals(DEVICES, count("SELECT count(*) FROM alarms"), "an alarm per device, once");
    assertEquals(1, count("SELECT count(*) FROM alarms WHERE device = 'pole-3' AND channel = 'air.pm25' AND value = 63"
        + " AND t = to_timestamp(1770000005)"));
  }

  private void awaitRows(long readings) {
    Awaitility.await("reading rows = " + readings).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
        .until(() -> count("SELECT count(*) FROM readings") >= readings);
  }

  @Test
  void twoInstancesShareTheWorkAndAKilledOneTakesItsMessagesAgainWithoutDoublingAReading() throws Exception {
    ChildRun first = ingest("ingest-1");
    ChildRun second = ingest("ingest-2");
    publish(0, FRAMES / 2);
    long half = (long) DEVICES * (FRAMES / 2) * STEPS * 2;
    awaitRows(half);

    // the second instance dies mid-run, with whatever was delivered to it and not yet written or acknowledged
    publish(FRAMES / 2, FRAMES);
    ChildJvm.kill(second.process);
    children.remove(second);
    ChildRun again = ingest("ingest-2");

    long all = (long) DEVICES * FRAMES * STEPS * 2;
    awaitRows(all);
    ChildJvm.stop(first.process, 30);
    ChildJvm.stop(again.process, 30);
    children.clear();
    assertEachReadingOnce("each reading once");
    assertEquals(DEVICES, count("SELECT count(*) FROM events WHERE kind = 's'"), "a status per device, each once");
    assertEquals(0, count("SELECT count(*) FROM readings WHERE device = 'pole-3' AND channel = 'water.volume'"
        + " AND value <> (3000 + (extract(epoch FROM t)::bigint - 1770000000) / 10) / 1000.0"), "values exact, scaled by the exponent");
    // both shared the subscription: the first wrote some of the frames, and each said its figures when stopped
    assertTrue(first.output().matches("(?s).*client=ingest-1 .* frames=[1-9][0-9]* .*"), first.output());
    assertTrue(again.output().matches("(?s).*client=ingest-2 .* frames=[0-9]+ .*"), again.output());
  }

  @Test
  void polesSplitAcrossTwoBridgedBrokersWithIngestOnEachGiveEachReadingOnce() throws Exception {
    // broker b bridges m/# both ways with broker a: each broker carries every pole's messages, and
    // the ingest group on each takes them all, so every reading reaches the database twice
    try (Mosquitto b = Mosquitto.start(dir.resolve("broker-b"), "connection bridge-to-a", "address 127.0.0.1:" + broker.port(),
        "topic m/# both 1", "cleansession false", "try_private true")) {
      awaitBridged(b.uri(), broker.uri());
      awaitBridged(broker.uri(), b.uri());
      ChildRun onA = ingest("ingest-a", broker.uri());
      ChildRun onB = ingest("ingest-b", b.uri());
      publish(broker.uri(), 0, DEVICES / 2, 0, FRAMES);
      publish(b.uri(), DEVICES / 2, DEVICES, 0, FRAMES);
      long all = (long) DEVICES * FRAMES * STEPS * 2;
      awaitRows(all);
      Awaitility.await("both instances took every frame").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
          .until(() -> count("SELECT count(*) FROM frames") == (long) DEVICES * FRAMES);
      ChildJvm.stop(onA.process, 30);
      ChildJvm.stop(onB.process, 30);
      children.clear();
      assertEachReadingOnce("each reading once, though written by both");
      for (ChildRun c : List.of(onA, onB)) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(" frames=(\\d+) ").matcher(c.output());
        assertTrue(m.find(), c.output());
        assertTrue(Long.parseLong(m.group(1)) >= (long) DEVICES * FRAMES, "each instance saw every pole's frames: " + c.output());
      }
    }
  }

  /** Waits until a retained message published on {@code from} is seen on {@code to}. */
  private static void awaitBridged(String from, String to) throws Exception {
    String topic = "m/bridge-probe-" + from.hashCode() + "/s";
    MqttClient pub = pole(from, "probe-pub-" + Math.abs(from.hashCode()));
    pub.publish(topic, new byte[] {1}, 1, true);
    pub.disconnect();
    pub.close();
    MqttClient sub = pole(to, "probe-sub-" + Math.abs(to.hashCode()));
    java.util.concurrent.atomic.AtomicBoolean seen = new java.util.concurrent.atomic.AtomicBoolean();
    sub.subscribe(topic, 1, (t, m) -> seen.set(true));
    try {
      Awaitility.await("the bridge carries " + from + " to " + to).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
          .untilTrue(seen);
    } finally {
      sub.disconnect();
      sub.close();
    }
  }
}

package io.mast.runtime.uplink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.config.DeviceConfigs;
import io.mast.config.model.AlarmRule;
import io.mast.config.model.DeviceConfig;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.ReadingsCsv;
import io.mast.protocol.StatusMessage;
import io.mast.runtime.EdgeRuntime;
import io.mast.sim.Mosquitto;
import io.mast.sim.EmbeddedBroker;
import io.mast.sim.LinkShaper;
import io.mast.sim.SimulatedBoard;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The uplink against the embedded broker (in-process) and Mosquitto, through the link shaper. */
class UplinkTest {
  @TempDir
  Path dir;

  record Message(String topic, byte[] payload, boolean retained) {}

  /** A Paho subscriber on m/# keeping every message in arrival order. */
  static final class Subscriber implements AutoCloseable {
    final List<Message> messages = Collections.synchronizedList(new ArrayList<>());
    final MqttClient client;

    Subscriber(String uri) throws Exception {
      client = new MqttClient(uri, "test-" + System.nanoTime(), new MemoryPersistence());
      MqttConnectOptions o = new MqttConnectOptions();
      o.setMaxInflight(1000);
      client.connect(o);
      client.subscribe("m/#", 1, (t, m) -> messages.add(new Message(t, m.getPayload(), m.isRetained())));
    }

    List<String> topics() {
      synchronized (messages) {
        return messages.stream().map(Message::topic).toList();
      }
    }

    boolean await(java.util.function.Predicate<List<String>> condition, long seconds) {
      try {
        Awaitility.await().atMost(Duration.ofSeconds(seconds)).pollInterval(Duration.ofMillis(20)).until(() -> condition.test(topics()));
        return true;
      } catch (ConditionTimeoutException e) {
        return false;
      }
    }

    /** The payload of the latest message on a topic ending in {@code suffix}, or null. */
    byte[] latest(String suffix) {
      synchronized (messages) {
        return messages.stream().filter(m -> m.topic().endsWith(suffix)).reduce((a, b) -> b).map(Message::payload).orElse(null);
      }
    }

    @Override
    public void close() throws Exception {
      if (client.isConnected()) {
        client.disconnect();
      }
      client.close();
    }
  }

  /** 200 ten-second steps of pm2.5 (a spike above 50 at steps 150-152) and a water counter. */
  private Path[] dataset() throws Exception {
    Path channels = dir.resolve("c.csv");
    Files.writeString(channels, "channel,unit,exponent,interval_s,kind,description\n"
        + "air.pm25,ug/m3,0,10,gauge,PM2.5\nwater.volume,L,0,10,counter,meter\n");
    StringBuilder rows = new StringBuilder("time,channel,value\n");
    for (int i = 0; i < 200; i++) {
      String t = java.time.Instant.ofEpochSecond(1_770_000_000L + i * 10L).toString();
      rows.append(t).append(",air.pm25,").append(i >= 150 && i <= 152 ? 80 : 10 + i % 7).append('\n');
      rows.append(t).append(",water.volume,").append(1000 + i * 3).append('\n');
    }
    Path readings = dir.resolve("r.csv");
    Files.writeString(readings, rows);
    return new Path[] {readings, channels};
  }

  private EdgeRuntime start(String broker, java.util.function.UnaryOperator<DeviceConfig.Builder> tweak) throws Exception {
    Path[] data = dataset();
    DeviceConfig base = SimulatedBoard.exampleConfig();
    DeviceConfig.Builder b = base.toBuilder().clearAlarms()
        .addAlarms(AlarmRule.newBuilder().setChannel("air.pm25").setAbove(50).setHysteresis(5))
        .setUplink(base.getUplink().toBuilder().setReconnectMinMs(100).setReconnectMaxS(1));
    DeviceConfig config = DeviceConfigs.effective(tweak.apply(b).build());
    ChannelProfile profile = ReadingsCsv.readChannels(data[1]);
    return EdgeRuntime.start(new EdgeRuntime.Options(config, "pole-7", List.of(broker), dir.resolve("state"), null,
        data[0], profile, 0, -1, "test"));
  }

  /** Against Mosquitto, the broker a platform runs. */
  @Test
  void everythingIsAcknowledgedAndTheRetainedBirthAndProfileAreThere() throws Exception {
    try (Mosquitto broker = Mosquitto.start(dir.resolve("mosquitto")); Subscriber sub = new Subscriber(broker.uri());
         EdgeRuntime runtime = start(broker.uri(), b -> b)) {
      assertTrue(runtime.awaitEnd(Duration.ofSeconds(30)), "every record acknowledged");
      assertEquals(400, runtime.uplinkStats().readingsAcked());
      long frames = runtime.uplinkStats().framesAcked();
      assertTrue(sub.await(t -> countOf(t, "m/pole-7/t") + countOf(t, "m/pole-7/a") == frames, 10), sub.topics().toString());
      assertEquals(2, countOf(sub.topics(), "m/pole-7/a"), "two alarm frames (raised, cleared)");
      try (Subscriber late = new Subscriber(broker.uri())) {
        assertTrue(late.await(t -> t.contains("m/pole-7/p") && t.contains("m/pole-7/s"), 5), late.topics().toString());
        // a subscriber that comes later still gets them: they were retained
        Message status = late.messages.stream().filter(m -> m.topic().endsWith("/s")).findFirst().orElseThrow();
        assertEquals(StatusMessage.State.ONLINE, StatusMessage.parse(status.payload()).state());
        assertTrue(status.retained(), "delivered as retained");
        assertTrue(late.messages.stream().filter(m -> m.topic().endsWith("/p")).allMatch(Message::retained));
      }
    }
  }

  @Test
  void alarmsRaisedWhileTheLinkWasDownGoAheadOfTheBacklog() throws Exception {
    try (EmbeddedBroker broker = EmbeddedBroker.start(0); Subscriber sub = new Subscriber(broker.uri());
         LinkShaper link = LinkShaper.to("127.0.0.1", broker.port()).start(0)) {
      link.outage(Duration.ZERO, Duration.ofSeconds(2));
      Awaitility.await("the outage begins").atMost(Duration.ofSeconds(5)).until(link::dark);
      try (EdgeRuntime runtime = start(link.uri(), b -> b)) {
        assertTrue(runtime.awaitEnd(Duration.ofSeconds(30)));
        long frames = runtime.uplinkStats().framesAcked();
        assertTrue(sub.await(t -> countOf(t, "m/pole-7/t") + countOf(t, "m/pole-7/a") >= frames, 10), sub.topics().toString());
        List<String> data = sub.topics().stream().filter(t -> t.endsWith("/t") || t.endsWith("/a")).toList();
        assertEquals(List.of("m/pole-7/a", "m/pole-7/a"), data.subList(0, 2), "alarms first: " + data);
        assertTrue(link.stats().refused() > 0, "the uplink tried during the outage: " + link.stats());
      }
    }
  }

  @Test
  void aSpentDailyBudgetHoldsTelemetryButNotAlarms() throws Exception {
    try (EmbeddedBroker broker = EmbeddedBroker.start(0); Subscriber sub = new Subscriber(broker.uri());
         EdgeRuntime runtime = start(broker.uri(), b -> b.setUplink(b.getUplink().toBuilder().setDailyByteBudget(100)))) {
      assertTrue(sub.await(t -> countOf(t, "m/pole-7/a") == 2, 20), sub.topics().toString());
      Awaitility.await("the uplink holds telemetry over budget").atMost(Duration.ofSeconds(10))
          .until(() -> runtime.uplinkStats().overBudget());
      assertEquals(2, runtime.uplinkStats().framesSent(), "only the two alarm frames were published: " + runtime.uplinkStats());
      // a message published after the uplink held its telemetry reaches the subscriber: had a
      // telemetry frame been published, it would have been seen too
      try (Subscriber marker = new Subscriber(broker.uri())) {
        marker.client.publish("m/pole-7/marker", new byte[] {1}, 1, false);
      }
      assertTrue(sub.await(t -> t.contains("m/pole-7/marker"), 10), sub.topics().toString());
      assertEquals(0, countOf(sub.topics(), "m/pole-7/t"), "no telemetry over budget");
      assertFalse(runtime.finished());
    }
  }

  /** Against Mosquitto: it publishes the retained last will when the link dies. */
  @Test
  void aLostLinkLeavesTheRetainedOfflineWill() throws Exception {
    try (Mosquitto broker = Mosquitto.start(dir.resolve("mosquitto"));
         LinkShaper link = LinkShaper.to("127.0.0.1", broker.port()).start(0)) {
      try (EdgeRuntime runtime = start(link.uri(), b -> b)) {
        assertTrue(runtime.awaitEnd(Duration.ofSeconds(30)));
        link.outage(Duration.ZERO, Duration.ofSeconds(30));
        try (Subscriber late = new Subscriber(broker.uri())) {
          assertTrue(late.await(t -> t.contains("m/pole-7/s"), 10));
          Awaitility.await("the broker publishes the last will").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
              .until(() -> StatusMessage.parse(late.latest("/s")).state() == StatusMessage.State.OFFLINE);
        }
      }
    }
  }

  @Test
  void anAgentsMessageIsAcknowledgedAndASubscriptionComesBackAfterEveryReconnectWithTheRetainedMessage() throws Exception {
    try (Mosquitto broker = Mosquitto.start(dir.resolve("mosquitto")); Subscriber sub = new Subscriber(broker.uri());
         LinkShaper shaper = LinkShaper.to("127.0.0.1", broker.port()).start(0);
         EdgeRuntime runtime = start(shaper.uri(), b -> b)) {
      Link link = runtime.link();
      List<String> arrived = Collections.synchronizedList(new ArrayList<>());
      Link.Subscription subscription = link.subscribe("m/pole-7/c", (topic, payload) -> arrived.add(topic + " " + new String(payload)));
      sub.client.publish("m/pole-7/c", "config v2".getBytes(), 1, true);
      Awaitility.await("the retained config reaches the handler").atMost(Duration.ofSeconds(20)).until(() -> arrived.size() == 1);
      assertEquals("m/pole-7/c config v2", arrived.get(0));

      link.publish(io.mast.protocol.Topics.Kind.CONFIG_ACK, "ack".getBytes(), false).get(20, TimeUnit.SECONDS);
      assertTrue(sub.await(t -> t.contains("m/pole-7/ca"), 10), "the broker had it when the future completed: " + sub.topics());

      List<Link.State> states = Collections.synchronizedList(new ArrayList<>());
      link.onStateChange(states::add);
      shaper.cutAll();
      Awaitility.await("reconnected").atMost(Duration.ofSeconds(30)).until(() -> states.contains(Link.State.CONNECTED));
      Awaitility.await("the retained config again, once").atMost(Duration.ofSeconds(20)).until(() -> arrived.size() == 2);
      assertEquals(arrived.get(0), arrived.get(1));

      subscription.close();
      sub.client.publish("m/pole-7/c", "config v3".getBytes(), 1, true);
      // the runtime's own ack published after the new config shows the broker went on: the handler would have had v3 by then
      link.publish(io.mast.protocol.Topics.Kind.CONFIG_ACK, "after".getBytes(), false).get(20, TimeUnit.SECONDS);
      assertTrue(sub.await(t -> t.stream().filter("m/pole-7/c"::equals).count() >= 2, 10), sub.topics().toString());
      assertEquals(2, arrived.size(), "a closed subscription gets nothing more");
    }
  }

  @Test
  void messagesGivenWhileTheLinkIsDownWaitBoundedAndTheOneTooManyIsRefusedAtOnce() throws Exception {
    int port = EmbeddedBroker.freePort();
    try (EdgeRuntime runtime = start("tcp://127.0.0.1:" + port, b -> b)) {
      Link link = runtime.link();
      List<java.util.concurrent.CompletableFuture<Void>> waiting = new ArrayList<>();
      for (int i = 0; i < Uplink.OUTBOX; i++) {
        waiting.add(link.publish(io.mast.protocol.Topics.Kind.CONSOLE_REPLY, new byte[] {(byte) i}, false));
      }
      var refused = link.publish(io.mast.protocol.Topics.Kind.CONSOLE_REPLY, new byte[] {1}, false);
      var e = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class, () -> refused.get(5, TimeUnit.SECONDS));
      assertTrue(e.getCause().getMessage().contains("outbox is full (64 messages wait)"), e.getCause().getMessage());
      assertTrue(waiting.stream().noneMatch(java.util.concurrent.CompletableFuture::isDone), "the others wait for a connection");
      try (EmbeddedBroker broker = EmbeddedBroker.start(port)) {
        // each future completes on its PUBACK: the broker has every one of them
        java.util.concurrent.CompletableFuture.allOf(waiting.toArray(new java.util.concurrent.CompletableFuture[0])).get(60, TimeUnit.SECONDS);
        assertTrue(runtime.uplinkStats().connects() >= 1);
      }
    }
  }

  /** What a broker might do to a client right after its CONNACK: bytes MQTT does not allow, or stop halfway, or say nothing more. */
  static Stream<Arguments> attacks() {
    byte[] garbage = new byte[2048];
    new java.util.Random(2).nextBytes(garbage);
    byte[] controlTopic = {0x30, 7, 0, 3, 'm', 0, 'x', 'h', 'i'};
    return Stream.of(
        // a length MQTT allows: the head is held until its topic checks out, and the bytes after it (the broker's next
        // packet, taken for a topic length) do not
        Arguments.of("a PUBLISH claiming 268 MB", new byte[] {0x30, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f}, false,
            "bytes in a packet of 268435455; a topic is 1 to 512 bytes"),
        Arguments.of("2 KiB of random bytes", garbage, false, "MQTT does not allow"),
        Arguments.of("a topic with a NUL", controlTopic, false, "topic with the byte 0x00"),
        Arguments.of("half a packet, then silence", new byte[] {0x30, 100, 0, 5, 'm', '/', 'p'}, true, "half sent"),
        Arguments.of("silence: no PUBACK ever", new byte[0], true, "no PUBACK for frame"));
  }

  /**
   * A broker that sends what no broker should: the uplink drops the connection (Paho neither
   * allocates the claimed length nor loses its receiving thread), connects again within the
   * bound, and delivers every reading. The time from the attack to the next connection is printed.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("attacks")
  void aHostileBrokerCostsAReconnectAndNothingElse(String name, byte[] attack, boolean silence, String said) throws Exception {
    try (Mosquitto broker = Mosquitto.start(dir.resolve("mosquitto"));
         HostileProxy hostile = new HostileProxy(broker.port(), attack, silence);
         EdgeRuntime runtime = start(hostile.uri(), b -> b.setUplink(b.getUplink().toBuilder().setAckTimeoutS(3)))) {
      Awaitility.await("connected again after " + name).atMost(Duration.ofSeconds(3 + 1 + 20)).pollInterval(Duration.ofMillis(10))
          .until(() -> hostile.connacks().size() >= 2);
      long millis = (hostile.connacks().get(1) - hostile.attackedNanos()) / 1_000_000;
      System.out.printf("hostile broker, %s: connected again %d ms after the attack (%s)%n", name, millis, runtime.uplinkStats().lastError());
      assertTrue(runtime.uplinkStats().lastError().contains(said), runtime.uplinkStats().lastError());
      assertTrue(runtime.awaitEnd(Duration.ofSeconds(60)), "every record acknowledged: " + runtime.uplinkStats());
      assertEquals(400, runtime.uplinkStats().readingsAcked());
    }
  }

  private static long countOf(List<String> topics, String topic) {
    return topics.stream().filter(topic::equals).count();
  }
}

package io.mast.runtime.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.protocol.Ed25519Keys;
import io.mast.protocol.SignedControl;
import io.mast.runtime.agent.AgentWorker;
import io.mast.runtime.console.Pole;
import io.mast.runtime.health.ControlGate.Counts;
import io.mast.runtime.health.ControlGate.Topic;
import io.mast.runtime.uplink.Link;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.awaitility.Awaitility;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile publisher with no trusted key, on a real Mosquitto, against a running pole: forgeries
 * and garbage on every control topic (the pole's own and its group's), a message over the inbound
 * cap retained on one of them, and an error in an agent's work.
 */
class ControlFloodTest {
  private static final String C = "m/" + Pole.ID + "/c";
  private static final String X = "m/" + Pole.ID + "/x";
  private static final String O = "m/" + Pole.ID + "/o";
  private static final String GROUP_C = "m/@north/c";
  private static final String GROUP_O = "m/@north/o";

  @TempDir
  Path dir;

  private Pole pole;
  private MqttClient hostile;

  @AfterEach
  void close() throws Exception {
    if (hostile != null && hostile.isConnected()) {
      hostile.disconnect();
    }
    if (pole != null) {
      pole.close();
    }
  }

  private MqttClient hostile() throws Exception {
    MqttClient c = new MqttClient(pole.mosquitto.uri(), "hostile", new MemoryPersistence());
    MqttConnectOptions o = new MqttConnectOptions();
    o.setMaxInflight(1000);
    c.connect(o);
    return c;
  }

  private Map<Topic, Counts> counts() {
    Map<Topic, Counts> out = new EnumMap<>(Topic.class);
    pole.runtime.gate().counts().forEach(c -> out.put(c.topic(), c));
    return out;
  }

  private long received(Topic t) {
    return counts().get(t).received();
  }

  /** What the hostile client sends as message {@code i} on a topic for {@code type}: garbage or a forgery of four kinds. */
  private static byte[] forgery(int i, SignedControl.Type type, PrivateKey stranger, Random random) throws Exception {
    long now = Instant.now().getEpochSecond();
    byte[] payload = new byte[1 + random.nextInt(200)];
    random.nextBytes(payload);
    return switch (i % 4) {
      case 0 -> payload; // garbage
      case 1 -> SignedControl.sign(type, Pole.ID, now - 5, now + 600, payload, "ops-1", stranger); // the trusted id, another key
      case 2 -> SignedControl.sign(type, Pole.ID, now - 5, now + 600, payload, "mallory-" + i, stranger); // an unknown key
      default -> {
        byte[] whole = SignedControl.sign(type, Pole.ID, now - 5, now + 600, payload, "ops-1", stranger);
        yield java.util.Arrays.copyOf(whole, whole.length / 2); // cut short
      }
    };
  }

  @Test
  void aFloodOfForgeriesIsCountedVerifiedOnABudgetAnsweredAndLoggedOnceAMinutePerReasonAndAppliesNothing() throws Exception {
    pole = new Pole(dir, p -> List.of(p.trusted()), "north").started();
    pole.runtime.startOta(null);
    long version = pole.runtime.config().getVersion();
    hostile = hostile();
    // every control topic subscribed: a retained probe on each is delivered at its SUBSCRIBE, whenever that is
    for (String t : List.of(C, X, O, GROUP_C, GROUP_O)) {
      hostile.publish(t, "probe".getBytes(StandardCharsets.US_ASCII), 1, true);
    }
    Awaitility.await("the probes on every control topic").atMost(Duration.ofSeconds(30))
        .until(() -> received(Topic.CONFIG) >= 2 && received(Topic.CONSOLE) >= 1 && received(Topic.OTA_OFFER) >= 2);
    for (String t : List.of(C, X, O, GROUP_C, GROUP_O)) {
      hostile.publish(t, new byte[0], 1, true); // cleared: delivered empty, which is nothing to the pole
    }
    Awaitility.await("the probes refused").atMost(Duration.ofSeconds(30))
        .until(() -> counts().values().stream().allMatch(k -> k.received() == k.refused() + k.dropped()));
    Map<Topic, Counts> before = counts();
    long linesBefore = pole.runtime.gate().linesSaid();
    long answersBefore = answers();
    long ackedBefore = pole.runtime.uplinkStats().readingsAcked();

    PrivateKey stranger = Ed25519Keys.generate().getPrivate();
    Random random = new Random(29);
    int each = 400;
    long start = System.nanoTime();
    for (int i = 0; i < each; i++) {
      hostile.publish(C, forgery(i, SignedControl.Type.CONFIG_SET, stranger, random), 1, false);
      hostile.publish(GROUP_C, forgery(i, SignedControl.Type.CONFIG_SET, stranger, random), 1, false);
      hostile.publish(X, forgery(i, SignedControl.Type.CONSOLE_COMMAND, stranger, random), 1, false);
      hostile.publish(O, forgery(i, SignedControl.Type.OTA_MANIFEST, stranger, random), 1, false);
      hostile.publish(GROUP_O, forgery(i, SignedControl.Type.OTA_MANIFEST, stranger, random), 1, false);
    }
    Map<Topic, Integer> sent = Map.of(Topic.CONFIG, 2 * each, Topic.CONSOLE, each, Topic.OTA_OFFER, 2 * each);
    // every message arrived, and each was either refused after its check or dropped before it
    Awaitility.await("every forgery counted and settled").atMost(Duration.ofSeconds(60)).until(() -> {
      Map<Topic, Counts> now = counts();
      return sent.entrySet().stream().allMatch(e -> {
        Counts a = now.get(e.getKey());
        Counts b = before.get(e.getKey());
        return a.received() - b.received() == e.getValue() && a.refused() - b.refused() + a.dropped() - b.dropped() == e.getValue();
      });
    });
    double seconds = (System.nanoTime() - start) / 1e9;
    Map<Topic, Counts> after = counts();
    for (Topic t : sent.keySet()) {
      long checked = after.get(t).refused() - before.get(t).refused();
      long dropped = after.get(t).dropped() - before.get(t).dropped();
      System.out.printf("flood on '%s': %d sent in %.1f s, %d verified and refused, %d dropped before verification%n", t.suffix(),
          sent.get(t), seconds, checked, dropped);
      assertTrue(checked <= ControlGate.VERIFY_BURST + ControlGate.VERIFY_PER_SECOND * (seconds + 1),
          t + ": at most the budget is verified: " + checked + " in " + seconds + " s");
      assertTrue(dropped > 0, t + ": the rest is dropped before the check");
    }
    long lines = pole.runtime.gate().linesSaid() - linesBefore;
    long answers = answers() - answersBefore;
    System.out.printf("2,000 forgeries: %d log lines, %d answers published%n", lines, answers);
    assertTrue(lines <= 16, "a line per reason (a few per topic), not per message: " + lines);
    assertTrue(answers <= 3 * (ControlGate.ANSWER_BURST + 1), "answers to forgeries: a burst per topic, not one each: " + answers);
    assertEquals(version, pole.runtime.config().getVersion(), "nothing applied");
    assertEquals(List.of(), pole.platform.payloads("m/" + Pole.ID + "/os").stream()
        .filter(p -> new String(p, StandardCharsets.ISO_8859_1).contains("OFFERED")).toList(), "no offer taken");
    Awaitility.await("readings still acknowledged after the flood").atMost(Duration.ofSeconds(60))
        .until(() -> pole.runtime.uplinkStats().readingsAcked() > ackedBefore);
    assertEquals(1, pole.runtime.uplinkStats().connects(), "the flood never cost the pole its connection");
  }

  /** Answers the pole published to refusals: config acks, console replies, OTA statuses. */
  private long answers() {
    return pole.platform.count("m/" + Pole.ID + "/ca") + pole.platform.count("m/" + Pole.ID + "/xr")
        + pole.platform.count("m/" + Pole.ID + "/os");
  }

  @Test
  void aMessageOverTheInboundCapRetainedOnAPoleTopicIsEmptiedAtEachConnectAndThePoleStaysConnected() throws Exception {
    pole = new Pole(dir);
    hostile = hostile();
    byte[] huge = new byte[io.mast.protocol.ControlLimits.MAX_CONTROL_MESSAGE_BYTES + 40_000];
    hostile.publish(X, huge, 1, true); // Mosquitto's default message_size_limit lets it in
    for (int start = 1; start <= 2; start++) {
      if (start == 1) {
        pole.started();
      } else {
        pole.restart(); // a power cycle: the next connect meets it again
      }
      Awaitility.await("the oversized message met at connect " + start).atMost(Duration.ofSeconds(30))
          .until(() -> counts().get(Topic.CONSOLE).oversized() == 1);
      // a forged command after it: its refusal is the only console reply, so the emptied one ran nothing
      long replies = pole.platform.count("m/" + Pole.ID + "/xr");
      hostile.publish(X, "garbage".getBytes(StandardCharsets.US_ASCII), 1, false);
      Awaitility.await("the forged command refused").atMost(Duration.ofSeconds(30))
          .until(() -> pole.platform.count("m/" + Pole.ID + "/xr") == replies + 1);
      long acked = pole.runtime.uplinkStats().readingsAcked();
      Awaitility.await("readings acknowledged after it").atMost(Duration.ofSeconds(60))
          .until(() -> pole.runtime.uplinkStats().readingsAcked() > acked);
      assertEquals(1, pole.runtime.uplinkStats().connects(), "one connect, kept: the message did not cut the connection");
      assertEquals(Link.State.CONNECTED, pole.runtime.link().state());
      assertEquals(2, received(Topic.CONSOLE), "the emptied message and the forged one");
    }
  }

  @Test
  void anErrorInAnAgentsWorkShowsInTheWatchdogsStuckListAndInHealth() throws Exception {
    pole = new Pole(dir).started();
    assertEquals(List.of(), pole.runtime.gate().faults());
    assertTrue(pole.runtime.stuck().stream().noneMatch(s -> s.contains("error")), pole.runtime.stuck().toString());
    AgentWorker worker = new AgentWorker(pole.runtime, "mast-test-agent", 4);
    worker.offer(() -> {
      throw new OutOfMemoryError("Java heap space (thrown by the test)");
    });
    Awaitility.await("the error kept").atMost(Duration.ofSeconds(10)).until(() -> !pole.runtime.gate().faults().isEmpty());
    assertTrue(pole.runtime.stuck().contains("an error stopped work of mast-test-agent: java.lang.OutOfMemoryError: Java heap space "
        + "(thrown by the test)"), pole.runtime.stuck().toString());
    long healths = pole.platform.count("m/" + Pole.ID + "/h");
    Awaitility.await("a health report with it").atMost(Duration.ofSeconds(60)).until(() -> pole.platform.count("m/" + Pole.ID + "/h") > healths);
    List<byte[]> reports = pole.platform.payloads("m/" + Pole.ID + "/h");
    String last = io.mast.protocol.MessageText.of(io.mast.protocol.Topics.Kind.HEALTH, reports.get(reports.size() - 1));
    assertTrue(last.contains("faults: \"mast-test-agent: java.lang.OutOfMemoryError"), last);
    worker.close();
  }
}

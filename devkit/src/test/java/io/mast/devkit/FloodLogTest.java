package io.mast.devkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.config.DeviceConfigs;
import io.mast.config.model.DeviceConfig;
import io.mast.protocol.Ed25519Keys;
import io.mast.protocol.MessageText;
import io.mast.protocol.SignedControl;
import io.mast.protocol.StatusMessage;
import io.mast.protocol.Topics;
import io.mast.sim.Mosquitto;
import io.mast.sim.SimulatedBoard;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log of a {@code mast run --sim} (in a group, on Debian's Mosquitto) while a hostile client
 * with no trusted key floods every control topic it listens to: garbage and forged envelopes on
 * its own {@code c}, {@code x}, {@code o} and its group's {@code c} and {@code o}. Before the
 * control gate, 200 such messages wrote 151 log lines in a second; each is now counted in health
 * and said once a minute per reason.
 */
class FloodLogTest {
  private static final String POLE = "sim-pole-1";
  private static final List<String> TOPICS = List.of("m/" + POLE + "/c", "m/" + POLE + "/x", "m/" + POLE + "/o", "m/@north/c", "m/@north/o");

  @TempDir
  Path dir;

  @Test
  void aFloodOfForgeriesOnEveryControlTopicWritesALineAReasonNotALineAMessage() throws Exception {
    DeviceConfig base = SimulatedBoard.exampleConfig();
    DeviceConfig c = base.toBuilder().setIdentity(base.getIdentity().toBuilder().addGroups("north"))
        .setUplink(base.getUplink().toBuilder().setHealthIntervalS(10)).build();
    Path config = dir.resolve("pole.json");
    Files.writeString(config, DeviceConfigs.toJson(c));
    try (Mosquitto mosquitto = Mosquitto.start(dir.resolve("mosquitto"));
        ChildRun run = ChildRun.start(dir.resolve("run.log"), Map.of(), "run", "--sim", "--config", config.toString(), "--broker",
            mosquitto.uri(), "--store", dir.resolve("state").toString(), "--console", "none")) {
      run.awaitOutput("uplink: connected", Duration.ofSeconds(60));
      List<String> seen = Collections.synchronizedList(new ArrayList<>());
      List<byte[]> health = Collections.synchronizedList(new ArrayList<>());
      List<byte[]> status = Collections.synchronizedList(new ArrayList<>());
      MqttClient platform = new MqttClient(mosquitto.uri(), "platform", new MemoryPersistence());
      platform.connect();
      platform.subscribe("m/" + POLE + "/#", 1, (t, m) -> {
        seen.add(t);
        if (t.endsWith("/h")) {
          health.add(m.getPayload());
        } else if (t.endsWith("/s")) {
          status.add(m.getPayload());
        }
      });
      MqttClient hostile = new MqttClient(mosquitto.uri(), "hostile", new MemoryPersistence());
      MqttConnectOptions o = new MqttConnectOptions();
      o.setMaxInflight(1000);
      hostile.connect(o);
      // every control topic subscribed: a retained probe on each is delivered at its SUBSCRIBE, whenever that is, and
      // the health report counts it
      for (String t : TOPICS) {
        hostile.publish(t, "probe".getBytes(StandardCharsets.US_ASCII), 1, true);
      }
      Awaitility.await("the probes counted in health").atMost(Duration.ofSeconds(60))
          .until(() -> received(health, "c") >= 2 && received(health, "x") >= 1 && received(health, "o") >= 2);
      for (String t : TOPICS) {
        hostile.publish(t, new byte[0], 1, true);
      }
      long linesBefore = run.output().lines().count();
      long probes = received(health, "c") + received(health, "x") + received(health, "o");

      PrivateKey stranger = Ed25519Keys.generate().getPrivate();
      Random random = new Random(29);
      int each = 400;
      for (int i = 0; i < each; i++) {
        for (String t : TOPICS) {
          SignedControl.Type type = t.endsWith("/c") ? SignedControl.Type.CONFIG_SET
              : t.endsWith("/x") ? SignedControl.Type.CONSOLE_COMMAND : SignedControl.Type.OTA_MANIFEST;
          hostile.publish(t, forgery(i, type, stranger, random), 1, false);
        }
      }
      long sent = (long) each * TOPICS.size();
      Awaitility.await("every forgery counted in health").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
          .until(() -> received(health, "c") + received(health, "x") + received(health, "o") >= probes + sent);
      List<String> written = run.output().lines().skip(linesBefore).toList();
      System.out.printf("%d forgeries on 5 control topics of a mast run --sim: %d log lines%n", sent, written.size());
      assertTrue(written.size() <= 20, "a line a reason, not a line a message (" + written.size() + "):\n" + String.join("\n", written));
      String last;
      synchronized (health) {
        last = MessageText.of(Topics.Kind.HEALTH, health.get(health.size() - 1));
      }
      assertTrue(last.contains("refused") && last.contains("dropped"), last);
      StatusMessage s;
      synchronized (status) {
        s = StatusMessage.parse(status.get(status.size() - 1));
      }
      assertEquals(c.getVersion(), s.configVersion(), "nothing applied");
      long frames = seen.stream().filter(t -> t.endsWith("/t")).count();
      Awaitility.await("telemetry still flowing").atMost(Duration.ofSeconds(60))
          .until(() -> seen.stream().filter(t -> t.endsWith("/t")).count() > frames);
      hostile.disconnect();
      platform.disconnect();
      run.interrupt();
      assertEquals(130, run.awaitExit(Duration.ofSeconds(60)), "stopped by SIGINT: " + run.output());
    }
  }

  /** The sum of {@code received} over the control entries of topic {@code suffix} in the latest health report. */
  private static long received(List<byte[]> health, String suffix) throws io.mast.protocol.FrameFormatException {
    byte[] latest;
    synchronized (health) {
      if (health.isEmpty()) {
        return 0;
      }
      latest = health.get(health.size() - 1);
    }
    Matcher m = Pattern.compile("control \\{ topic: \"" + suffix + "\" received: (\\d+)").matcher(MessageText.of(Topics.Kind.HEALTH, latest));
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  private static byte[] forgery(int i, SignedControl.Type type, PrivateKey stranger, Random random) throws Exception {
    long now = Instant.now().getEpochSecond();
    byte[] payload = new byte[1 + random.nextInt(200)];
    random.nextBytes(payload);
    return switch (i % 3) {
      case 0 -> payload;
      case 1 -> SignedControl.sign(type, POLE, now - 5, now + 600, payload, "platform-2026", stranger);
      default -> SignedControl.sign(type, POLE, now - 5, now + 600, payload, "mallory-" + i, stranger);
    };
  }
}

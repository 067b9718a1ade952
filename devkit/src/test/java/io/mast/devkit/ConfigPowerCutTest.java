package io.mast.devkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.config.DeviceConfigs;
import io.mast.config.model.DeviceConfig;
import io.mast.protocol.ConfigAckMessage;
import io.mast.protocol.ConfigSetMessage;
import io.mast.protocol.Ed25519Keys;
import io.mast.protocol.SignedControl;
import io.mast.protocol.StatusMessage;
import io.mast.sim.EmbeddedBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A power cut (SIGKILL of a child {@code mast run --sim}) at each step of applying a pushed
 * config: after the restart the pole runs the new config, whole, confirmed, and took it once.
 * The child stops at the step named by {@code mast.config.pauseAt} and is killed there. (The
 * steps inside the config store's own writes are cut by {@code ConfigStoreTest} with the
 * fault-injecting file layer.)
 */
class ConfigPowerCutTest {
  private static final String POLE = "sim-pole-1";

  @TempDir
  Path dir;

  @ParameterizedTest(name = "killed at {0}")
  @ValueSource(strings = {"pending-saved", "runtime-applied", "stored", "acknowledged"})
  void aPowerCutAtAnyStepOfAnApplyEndsWithTheNewConfigWholeAndConfirmed(String step) throws Exception {
    Path state = dir.resolve("state");
    List<byte[]> statuses = Collections.synchronizedList(new ArrayList<>());
    List<ConfigAckMessage> acks = Collections.synchronizedList(new ArrayList<>());
    try (EmbeddedBroker broker = EmbeddedBroker.start(0)) {
      MqttClient platform = new MqttClient(broker.uri(), "platform", new MemoryPersistence());
      platform.connect();
      platform.subscribe("m/" + POLE + "/#", 1, (t, m) -> {
        if (t.endsWith("/s")) {
          statuses.add(m.getPayload());
        } else if (t.endsWith("/ca")) {
          acks.add(ConfigAckMessage.parse(m.getPayload()));
        }
      });
      String[] args = {"run", "--sim", "--broker", broker.uri(), "--store", state.toString()};
      try (ChildRun first = ChildRun.start(dir.resolve("first.log"), Map.of(), List.of("-Dmast.config.pauseAt=" + step), args)) {
        first.awaitOutput("uplink: connected", Duration.ofSeconds(60));
        DeviceConfig v1 = DeviceConfigs.readFile(state.resolve("config/current.json"));
        DeviceConfig v2 = v1.toBuilder().setVersion(2).setSensors(0, v1.getSensors(0).toBuilder().setIntervalS(30)).build();
        long now = Instant.now().getEpochSecond();
        byte[] push = SignedControl.sign(SignedControl.Type.CONFIG_SET, POLE, now - 60, now + 3600,
            new ConfigSetMessage(2, v2.toByteArray(), 0).toBytes(), "sim-platform",
            Ed25519Keys.readPrivatePem(Files.readString(state.resolve("keys/sim-platform.pem"))));
        platform.publish("m/" + POLE + "/c", push, 1, true);
        String out = first.awaitOutput("config apply paused at " + step, Duration.ofSeconds(30));
        assertTrue(out.contains("config apply paused at " + step), out);
        first.process.destroyForcibly().waitFor();
      }
      try (ChildRun second = ChildRun.start(dir.resolve("second.log"), Map.of(), args)) {
        Awaitility.await("version 2 in force and confirmed after the restart").atMost(Duration.ofSeconds(60))
            .until(() -> latest(statuses) != null && latest(statuses).configVersion() == 2 && latest(statuses).configConfirmed());
        assertTrue(Files.readString(state.resolve("config/current.json")).contains("\"version\": \"2\""));
        assertTrue(second.output().contains("uplink: connected"));
        assertFalse(acks.stream().anyMatch(a -> a.result() != ConfigAckMessage.Result.APPLIED), "no refusal or revert: " + acks);
        assertTrue(acks.stream().anyMatch(a -> a.version() == 2), "the platform heard version 2 applied: " + acks);
        second.interrupt();
        assertEquals(130, second.awaitExit(Duration.ofSeconds(30)));
      }
      platform.disconnect();
      platform.close();
    }
  }

  private static StatusMessage latest(List<byte[]> statuses) throws Exception {
    synchronized (statuses) {
      return statuses.isEmpty() ? null : StatusMessage.parse(statuses.get(statuses.size() - 1));
    }
  }
}

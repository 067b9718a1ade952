package io.mast.pole;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.cli.Cli;
import io.mast.runtime.peers.Capture;
import io.mast.sim.Mosquitto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * mast run refuses a broker it could never connect to before it opens anything, and a pole whose
 * config is missing, wrong or not provisioned exits 78, which its systemd unit does not restart.
 */
class RunCommandTest {
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "garbage                | has no scheme; the scheme must be tcp or ssl",
      "tcp://                 | is not a URI (Expected authority); a broker URI is like tcp://broker.example:1883",
      "mqtt://x               | has the scheme mqtt; the scheme must be tcp or ssl",
      "tcp://127.0.0.1:-5     | names no host (or a port outside 0..65535)",
      "tcp://127.0.0.1:70000  | has the port 70000; a port is 1..65535",
      "'tcp://[::1'           | is not a URI (Expected closing bracket for IPv6 address)",
      "ws://broker:80         | is MQTT over WebSocket, which the uplink does not take",
  })
  void aBrokerThatIsNoBrokerUriIsAUsageErrorInOneLine(String uri, String said) {
    Cli.Result r = Cli.run("", "run", "--broker", uri, "--config", "/nonexistent/device.json");
    assertEquals(2, r.status(), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
    String first = r.err().strip();
    assertTrue(first.startsWith("mast run: --broker \"" + uri + "\" " + said), first);
    assertTrue(r.out().isEmpty(), r.out());
  }

  @Test
  void anUnprovisionedAMissingOrABrokenConfigExits78WithWhatToDo(@TempDir Path dir) throws IOException {
    Path example = dir.resolve("device.json");
    Files.writeString(example, "{\"version\": \"0\", \"identity\": {\"device_id\": \"\"}, \"sensors\": [],"
        + " \"store\": {\"dir\": \"" + dir.resolve("store") + "\"}}");
    Cli.Result r = Cli.run("", "run", "--config", example.toString());
    assertEquals(78, r.status(), r.err());
    assertTrue(r.err().contains("is not provisioned yet; give it one with mast provision --device-id ID --broker URI"), r.err());
    assertTrue(Files.notExists(dir.resolve("store")), "nothing opened");

    r = Cli.run("", "run", "--config", dir.resolve("missing.json").toString());
    assertEquals(78, r.status(), r.err());
    assertTrue(r.err().startsWith("mast run: "), r.err());

    Files.writeString(example, "{\"version\": \"1\", \"identity\": {\"device_id\": \"pole 7\"}}");
    r = Cli.run("", "run", "--config", example.toString());
    assertEquals(78, r.status(), r.err());
    assertTrue(r.err().contains("identity.device_id"), r.err());
  }

  /** A pole's run as the launcher starts it: no --broker, the config's brokers (it failed on an empty list before it opened anything). */
  @Test
  void aPoleRunsOnItsConfigsBrokerWithoutABrokerOption(@TempDir Path dir) throws Exception {
    try (Mosquitto broker = Mosquitto.start(dir); Capture capture = Capture.start(broker.port(), dir.resolve("capture.txt"), null)) {
      Path config = dir.resolve("device.json");
      Files.writeString(config, "{\"version\": \"1\", \"identity\": {\"device_id\": \"pole-own-broker\"}, \"sensors\": [],"
          + " \"uplink\": {\"broker_uris\": [\"" + broker.uri() + "\"]}, \"store\": {\"dir\": \"" + dir.resolve("store") + "\"}}");
      Cli.Result r = Cli.run("", "run", "--config", config.toString(), "--duration", "1", "--console", "none");
      assertEquals(0, r.status(), r.err());
      assertTrue(r.err().contains("pole-own-broker, 0 channels") && r.err().contains("broker " + broker.uri().replaceFirst("^tcp://", "")),
          r.err());
      assertTrue(capture.await("/s", 1, 30), "the pole's status on the broker: " + capture.text());
    }
  }
}

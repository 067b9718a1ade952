package io.mast.devkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mast fleet} in a child JVM on its own Debian Mosquitto: sixty poles sample, send and are
 * acknowledged, their broker goes away for a few seconds and comes back, and every reading a pole
 * had acknowledged reached the platform's subscriber once; the storm's figures come from the
 * broker's own log.
 */
class FleetTest {
  @TempDir Path dir;

  @Test
  void sixtyPolesRideOutABrokerRestartAndEveryAcknowledgedReadingArrivesOnce() throws Exception {
    try (ChildRun fleet = ChildRun.start(dir.resolve("fleet.log"), Map.of(), List.of("-Xmx256m"), "fleet", "--poles", "60",
        "--duration", "24", "--batch", "4", "--rate", "1", "--ramp", "100", "--storm", "4", "--state", dir.resolve("state").toString())) {
      String out = fleet.awaitOutput("poles=60 ", Duration.ofMinutes(4));
      assertTrue(fleet.process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), out);
      assertEquals(0, fleet.process.exitValue(), out);
      Map<String, String> kv = new HashMap<>();
      Matcher m = Pattern.compile("(\\w+)=(\\S+)").matcher(out.substring(out.lastIndexOf("poles=60 ")));
      while (m.find()) {
        kv.put(m.group(1), m.group(2));
      }
      assertEquals("60", kv.get("connected"), "every pole connected when the run ended: " + out);
      assertEquals("0", kv.get("missing"), out);
      assertEquals("0", kv.get("duplicates"), out);
      assertTrue(Long.parseLong(kv.get("readings_acked")) > 60 * 4 * 10, "four sensors a second for 24 s: " + out);
      assertEquals(kv.get("readings_acked"), kv.get("delivered"), out);
      assertEquals(kv.get("readings_sampled"), kv.get("readings_acked"), "everything sampled was sent by the end: " + out);
      assertEquals("0", kv.get("left_in_store"), out);
      // the storm: every pole connected again, and the broker logged their connects after its restart
      assertTrue(Double.parseDouble(kv.get("storm_reconnect_s")) >= 0, out);
      assertTrue(Integer.parseInt(kv.get("storm_connects")) >= 60, out);
      assertTrue(Integer.parseInt(kv.get("storm_peak_connects_per_s")) >= 1, out);
      assertTrue(Double.parseDouble(kv.get("pole_threads")) < 5, "threads a pole adds: " + out);
      assertTrue(out.contains("fleet: storm: every pole connected again"), out);
    }
  }
}

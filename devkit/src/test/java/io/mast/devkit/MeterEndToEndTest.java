package io.mast.devkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.config.model.DeviceConfig;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.DecodedFrame;
import io.mast.protocol.FrameDecoder;
import io.mast.protocol.Reading;
import io.mast.runtime.EdgeRuntime;
import io.mast.runtime.peers.Capture;
import io.mast.sim.Mosquitto;
import io.mast.sim.SimulatedBoard;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The simulated pole's meters through the whole path to a real Mosquitto: a CJ/T 188 water and
 * gas meter and a DL/T 645 electricity meter read over their buses, their values decoded from the
 * frames exactly as the meters hold them, and the water meter's valve closing raising the alarm
 * rule on its status channel.
 */
class MeterEndToEndTest {
  @TempDir
  Path dir;

  @Test
  void meterValuesReachThePlatformAndAClosedValveRaisesItsAlarm() throws Exception {
    DeviceConfig base = SimulatedBoard.exampleConfig();
    try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"));
        Capture capture = Capture.start(broker.port(), dir.resolve("capture.txt"), "platform");
        SimulatedBoard board = SimulatedBoard.start(base, SimulatedBoard.Transport.IN_PROCESS, dir)) {
      DeviceConfig config = base.toBuilder().setUplink(base.getUplink().toBuilder().clearBrokerUris().addBrokerUris(broker.uri())).build();
      board.set("district.water.volume", 123_456);   // 1234.56 m3
      board.set("district.gas.volume", 789);          // 7.89 m3
      board.set("lighting.energy", 1_234_567);        // 12345.67 kWh
      board.set("lighting.voltage", 2_305);           // 230.5 V
      try (EdgeRuntime pole = EdgeRuntime.start(new EdgeRuntime.Options(config, "pole-m", List.of(), dir.resolve("state"),
          board, null, null, 0, -1, "test"))) {
        ChannelProfile profile = pole.profile();
        Map<String, Long> seen = new HashMap<>();
        Awaitility.await("the meters' readings at the platform").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
            .until(() -> {
              latest(capture, profile, seen);
              return seen.keySet().containsAll(List.of("district.water.volume", "district.gas.volume", "lighting.energy",
                  "lighting.voltage", "district.water.valve_closed"));
            });
        assertEquals(Map.of("district.water.volume", 123_456L, "district.gas.volume", 789L, "lighting.energy", 1_234_567L,
            "lighting.voltage", 2_305L, "district.water.valve_closed", 0L), Map.of("district.water.volume", seen.get("district.water.volume"),
            "district.gas.volume", seen.get("district.gas.volume"), "lighting.energy", seen.get("lighting.energy"),
            "lighting.voltage", seen.get("lighting.voltage"), "district.water.valve_closed", seen.get("district.water.valve_closed")));
        assertEquals(0, capture.count("/a"), "no alarm while the valve is open, though frames came: " + capture.lines());

        board.set("district.water.valve_closed", 1);
        assertTrue(capture.await("/a", 1, 60), "an alarm once the valve closed: " + capture.lines());
        String line = capture.lines().stream().filter(l -> l.startsWith("m/pole-m/a ")).findFirst().orElseThrow();
        DecodedFrame carried = new FrameDecoder(profile).decodeAlarm(HexFormat.of().parseHex(line.split(" ", 2)[1]));
        Reading crossed = carried.readings().get(0);
        assertEquals(profile.channel("district.water.valve_closed").id(), crossed.channel(), "the alarm is the valve's rule");
        assertEquals(1, crossed.mantissa(), "the alarm carries the reading that crossed: valve closed");
      }
    }
  }

  /** The last value of each channel in the telemetry captured so far. */
  private static void latest(Capture capture, ChannelProfile profile, Map<String, Long> seen) throws Exception {
    FrameDecoder decoder = new FrameDecoder(profile);
    for (String line : capture.lines()) {
      String[] parts = line.split(" ", 2);
      if (parts[0].endsWith("/t")) {
        for (Reading r : decoder.decode(HexFormat.of().parseHex(parts[1])).readings()) {
          seen.put(profile.channel(r.channel()).name(), r.mantissa());
        }
      }
    }
  }
}

package io.mast.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.config.DeviceConfigs;
import io.mast.drivers.BoardBuses;
import io.mast.drivers.ChannelValue;
import io.mast.drivers.DriverCatalog;
import io.mast.drivers.ProbeReport;
import io.mast.drivers.Probes;
import io.mast.drivers.SensorDriver;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mast's meter drivers against an independent meter: {@code meter_peer.py}, written in Python from
 * the standards' frame layouts and sharing no code with Mast, on the far end of a socat
 * pseudo-terminal pair. Its frames decode in Mast to the values it was built with, and it accepts
 * every request Mast sends after checking framing, checksum, offset and data identifier itself
 * (it prints each request it accepted or rejected). Needs socat and Debian's python3.
 */
class MeterInteropTest {
  @TempDir
  Path dir;

  @Test
  void mastReadsAnIndependentCjt188WaterAndHeatMeterAndItAcceptsEveryRequest() throws Exception {
    try (SocatPty pty = SocatPty.start(dir, "mbus"); Peer peer = Peer.start(dir, "cjt188", pty.devicePath());
        BoardBuses buses = new BoardBuses()) {
      String port = pty.driverPath().toString();
      SensorDriver driver = DriverCatalog.build(DeviceConfigs.parseJson("""
          {"version": "1", "identity": {"device_id": "p"}, "uplink": {"broker_uris": ["tcp://127.0.0.1:1883"]}, "sensors": [
           {"id": "w", "channel": "w.volume", "driver": "CJT188", "bus": "%1$s", "meter": {"address": "12345678901234"}, "quantity": "volume", "interval_s": 60, "exponent": -2, "unit": "m3"},
           {"id": "w-valve", "channel": "w.valve", "driver": "CJT188", "bus": "%1$s", "meter": {"address": "12345678901234"}, "quantity": "valve_closed", "interval_s": 60},
           {"id": "h", "channel": "h.heat", "driver": "CJT188", "bus": "%1$s", "meter": {"address": "20250000000303", "type": "HEAT"}, "quantity": "heat", "interval_s": 60, "exponent": -2, "unit": "kWh"},
           {"id": "h-flow", "channel": "h.flow", "driver": "CJT188", "bus": "%1$s", "meter": {"address": "20250000000303", "type": "HEAT"}, "quantity": "flow", "interval_s": 60, "exponent": -4, "unit": "m3/h"},
           {"id": "h-return", "channel": "h.return", "driver": "CJT188", "bus": "%1$s", "meter": {"address": "20250000000303", "type": "HEAT"}, "quantity": "return_temp", "interval_s": 60, "exponent": -2},
           {"id": "h-battery", "channel": "h.battery", "driver": "CJT188", "bus": "%1$s", "meter": {"address": "20250000000303", "type": "HEAT"}, "quantity": "battery_low", "interval_s": 60}
          ]}""".formatted(port)), buses, dir).get(0);
      driver.open();
      try {
        assertEquals(List.of(ChannelValue.ok("w.volume", 123_456), ChannelValue.ok("w.valve", 1), ChannelValue.ok("h.heat", 12_346_125),
            ChannelValue.ok("h.flow", 12_500), ChannelValue.ok("h.return", 4_220), ChannelValue.ok("h.battery", 1)), driver.sample().values());
      } finally {
        driver.close();
      }
      ProbeReport probe = Probes.cjt188(buses, port, 2400, "20250000000303", true);
      assertTrue(probe.ok(), probe.lines().toString());
      assertTrue(probe.lines().contains("heat = 123461.25 kWh"), probe.lines().toString());
      assertEquals(List.of("accepted cjt188 read-data di=901F (sent 1F 90) ser=1 type=10 address=12345678901234",
          "accepted cjt188 read-data di=901F (sent 1F 90) ser=2 type=20 address=20250000000303",
          "accepted cjt188 read-data di=901F (sent 90 1F) ser=1 type=AA address=20250000000303"), peer.lines(3));
    }
  }

  @Test
  void mastReadsAnIndependentDlt645MeterAndItAcceptsEveryRequest() throws Exception {
    try (SocatPty pty = SocatPty.start(dir, "rs485"); Peer peer = Peer.start(dir, "dlt645", pty.devicePath());
        BoardBuses buses = new BoardBuses()) {
      ProbeReport probe = Probes.dlt645(buses, pty.driverPath().toString(), 2400, null);
      assertTrue(probe.ok(), probe.lines().toString());
      assertEquals("address = 000012345678", probe.lines().get(0));
      assertTrue(probe.lines().contains("energy = 12345.67 kWh   (combined active energy, total)"), probe.lines().toString());
      assertTrue(probe.lines().contains("voltage_a = 230.5 V   (phase A voltage)"), probe.lines().toString());
      assertTrue(probe.lines().contains("current_a = -1.234 A   (phase A current)"), probe.lines().toString());
      assertTrue(probe.lines().contains("power = 2.3450 kW   (active power, total)"), probe.lines().toString());
      assertTrue(probe.lines().contains("voltage_b: not kept by this meter (phase B voltage)"), probe.lines().toString());
      List<String> accepted = peer.lines(1 + 18);
      assertEquals("accepted dlt645 read-address address=AAAAAAAAAAAA", accepted.get(0));
      assertEquals("accepted dlt645 read-data di=00000000 address=000012345678", accepted.get(1));
      assertEquals("accepted dlt645 read-data di=02010100 address=000012345678", accepted.get(8));
      assertTrue(accepted.stream().allMatch(l -> l.startsWith("accepted ")), accepted.toString());
    }
  }

  /** The Python meter on the device end of the pty, and what it prints. */
  private record Peer(Process process, BufferedReader out, Path errors) implements AutoCloseable {
    static Peer start(Path dir, String standard, Path port) throws IOException {
      Path script = dir.resolve("meter_peer.py");
      if (!Files.exists(script)) {
        Files.copy(MeterInteropTest.class.getResourceAsStream("/meter_peer.py"), script);
      }
      Path errors = dir.resolve(standard + ".err");
      Process p;
      try {
        p = new ProcessBuilder("/usr/bin/python3", script.toString(), standard, port.toString()).redirectError(errors.toFile()).start();
      } catch (IOException e) {
        throw new IOException("/usr/bin/python3 is needed for the independent meter: apt-get install -y python3 (" + e.getMessage() + ")", e);
      }
      Peer peer = new Peer(p, new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)), errors);
      String ready = peer.out.readLine();
      assertEquals("serving", ready, () -> "the independent meter did not start: " + peer.errorText());
      return peer;
    }

    /** The next {@code n} lines it printed (each request is printed before it is answered, so they are all there). */
    List<String> lines(int n) throws IOException {
      List<String> lines = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String line = out.readLine();
        if (line == null) {
          throw new AssertionError("the independent meter stopped after " + lines + ": " + errorText());
        }
        lines.add(line);
      }
      return lines;
    }

    String errorText() {
      try {
        return Files.readString(errors);
      } catch (IOException e) {
        return "(" + e + ")";
      }
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      process.waitFor(5, TimeUnit.SECONDS);
    }
  }
}

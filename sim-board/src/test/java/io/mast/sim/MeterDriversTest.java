package io.mast.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.config.DeviceConfigs;
import io.mast.config.model.DeviceConfig;
import io.mast.drivers.ChannelStatus;
import io.mast.drivers.ChannelValue;
import io.mast.drivers.Sample;
import io.mast.drivers.SensorDriver;
import io.mast.drivers.codec.MeterUnit;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The CJ/T 188 and DL/T 645 drivers against their simulators, several meters on each bus, over
 * in-process lines and over socat pseudo-terminals: values arrive in the channel's unit, status
 * bits become channels, and each fault (no answer, wrong checksum, garbage before the frame, the
 * meter's exception answer) gives its status while the other meters on the bus go on.
 */
class MeterDriversTest {
  private static final String WATER = "12345678901234";
  private static final String GAS = "20250000000202";
  private static final String HEAT = "20250000000303";
  private static final String LAMPS = "000012345678";
  private static final String CHARGER = "000087654321";

  private static final String CONFIG = """
      {"version": "1", "board": "sim", "identity": {"device_id": "meters-1"},
       "uplink": {"broker_uris": ["tcp://127.0.0.1:1883"]},
       "sensors": [
        {"id": "w", "channel": "w.volume", "driver": "CJT188", "bus": "sim:m", "meter": {"address": "%1$s"}, "quantity": "volume", "interval_s": 60, "unit": "L", "counter": true},
        {"id": "w-valve", "channel": "w.valve", "driver": "CJT188", "bus": "sim:m", "meter": {"address": "%1$s"}, "quantity": "valve_closed", "interval_s": 60},
        {"id": "w-battery", "channel": "w.battery", "driver": "CJT188", "bus": "sim:m", "meter": {"address": "%1$s"}, "quantity": "battery_low", "interval_s": 60},
        {"id": "w-tamper", "channel": "w.tamper", "driver": "CJT188", "bus": "sim:m", "meter": {"address": "%1$s", "tamper_bit": 11}, "quantity": "tamper", "interval_s": 60},
        {"id": "g", "channel": "g.volume", "driver": "CJT188", "bus": "sim:m", "meter": {"address": "%2$s", "type": "GAS", "di_high_first": true}, "quantity": "volume", "interval_s": 60, "exponent": -2, "unit": "m3", "counter": true},
        {"id": "h", "channel": "h.heat", "driver": "CJT188", "bus": "sim:m", "meter": {"address": "%3$s", "type": "HEAT"}, "quantity": "heat", "interval_s": 60, "exponent": -3, "unit": "GJ", "counter": true},
        {"id": "h-supply", "channel": "h.supply", "driver": "CJT188", "bus": "sim:m", "meter": {"address": "%3$s", "type": "HEAT"}, "quantity": "supply_temp", "interval_s": 60, "exponent": -2, "unit": "degC"},
        {"id": "e", "channel": "e.energy", "driver": "DLT645", "bus": "sim:e", "meter": {"address": "%4$s"}, "quantity": "energy", "interval_s": 60, "exponent": -2, "unit": "kWh", "counter": true},
        {"id": "e-current", "channel": "e.current", "driver": "DLT645", "bus": "sim:e", "meter": {"address": "%4$s"}, "quantity": "current_a", "interval_s": 60, "exponent": -3, "unit": "A"},
        {"id": "e-power", "channel": "e.power", "driver": "DLT645", "bus": "sim:e", "meter": {"address": "%4$s"}, "quantity": "power", "interval_s": 60, "exponent": 0, "unit": "W"},
        {"id": "c", "channel": "c.energy", "driver": "DLT645", "bus": "sim:e", "meter": {"address": "%5$s"}, "quantity": "energy_t1", "interval_s": 60, "exponent": -2, "unit": "kWh", "counter": true},
        {"id": "c-cover", "channel": "c.cover", "driver": "DLT645", "bus": "sim:e", "meter": {"address": "%5$s"}, "quantity": "cover_opened", "interval_s": 60}
       ]}
      """.formatted(WATER, GAS, HEAT, LAMPS, CHARGER);

  @TempDir
  Path dir;
  private SimulatedBoard board;
  @org.junit.jupiter.api.extension.RegisterExtension
  final SimPoles.Benches benches = new SimPoles.Benches();

  private SensorDriver open(SimulatedBoard.Transport transport, String name) throws Exception {
    DeviceConfig config = DeviceConfigs.parseJson(CONFIG);
    assertEquals(List.of(), DeviceConfigs.validate(config, io.mast.config.Validation.Mode.DRY_RUN), "the test's config is valid");
    SimPoles.Bench bench = benches.start(config, transport, dir);
    board = bench.board;
    return bench.open(name);
  }

  @ParameterizedTest
  @EnumSource(SimulatedBoard.Transport.class)
  void cjt188MetersOnOneBusReportValuesInTheChannelsUnitsAndTheirStatusBits(SimulatedBoard.Transport transport) throws Exception {
    SensorDriver bus = open(transport, "cjt188 on sim:m");
    board.set("w.volume", 234_567);            // L: the meter holds 234.567 m3 and, counting litres, sends 234567.00 L
    board.set("g.volume", 98_765);             // 987.65 m3
    board.set("h.heat", 1_234);                // 1.234 GJ: 342.77 kWh on the meter's register, 1.233972 GJ back, floored
    board.set("h.supply", 6_550);              // 65.50 degC
    board.set("w.valve", 1);
    board.set("w.tamper", 1);
    Cjt188MeterSimulator sim = (Cjt188MeterSimulator) board.simulator("sim:m");
    sim.reportVolumeIn(WATER, MeterUnit.L);    // this meter counts litres (unit code 29h)
    assertEquals(List.of(ChannelValue.ok("w.volume", 234_567), ChannelValue.ok("w.valve", 1), ChannelValue.ok("w.battery", 0),
        ChannelValue.ok("w.tamper", 1), ChannelValue.ok("g.volume", 98_765), ChannelValue.ok("h.heat", 1_233),
        ChannelValue.ok("h.supply", 6_550)), bus.sample().values());
    assertEquals(3, sim.requests(), "one request a meter, whatever the number of its channels");
  }

  @ParameterizedTest
  @EnumSource(SimulatedBoard.Transport.class)
  void cjt188FaultsGiveTheirStatusAndTheOtherMetersGoOn(SimulatedBoard.Transport transport) throws Exception {
    SensorDriver bus = open(transport, "cjt188 on sim:m");
    board.set("g.volume", 500);
    Cjt188MeterSimulator sim = (Cjt188MeterSimulator) board.simulator("sim:m");

    sim.abnormalNext(WATER, 1);
    Sample abnormal = bus.sample();
    assertStatus(abnormal.get("w.volume"), ChannelStatus.DEVICE_ERROR, "METER_ERROR: meter 12345678901234 answered abnormal");
    assertEquals(ChannelValue.ok("g.volume", 500), abnormal.get("g.volume"));

    board.faults("sim:m").garbageBeforeNext(3, 30);
    assertEquals(ChannelValue.ok("g.volume", 500), bus.sample().get("g.volume"), "garbage before the frame is skipped");
    board.faults("sim:m").corruptNext(1);
    assertStatus(bus.sample().get("w.volume"), ChannelStatus.CRC_ERROR, "bad checksum");
    board.faults("sim:m").silent(true);
    assertStatus(bus.sample().get("h.heat"), ChannelStatus.TIMEOUT, "meter 20250000000303: no answer in 1500 ms");
    board.faults("sim:m").silent(false);
    assertEquals(ChannelValue.ok("g.volume", 500), bus.sample().get("g.volume"), "good again after the faults");
  }

  @ParameterizedTest
  @EnumSource(SimulatedBoard.Transport.class)
  void dlt645MetersReportByDataIdentifierAndTheirErrorsAreNamed(SimulatedBoard.Transport transport) throws Exception {
    SensorDriver bus = open(transport, "dlt645 on sim:e");
    board.set("e.energy", 1_234_567);          // 12345.67 kWh
    board.set("e.current", -1_234);            // -1.234 A (power fed back)
    board.set("e.power", 2_345);               // 2345 W = 2.3450 kW on the meter
    board.set("c.energy", 99);
    board.set("c.cover", 3);
    assertEquals(List.of(ChannelValue.ok("e.energy", 1_234_567), ChannelValue.ok("e.current", -1_234), ChannelValue.ok("e.power", 2_345),
        ChannelValue.ok("c.energy", 99), ChannelValue.ok("c.cover", 3)), bus.sample().values());

    Dlt645MeterSimulator sim = (Dlt645MeterSimulator) board.simulator("sim:e");
    sim.errorNext(CHARGER, 1, 0x04);
    assertStatus(bus.sample().get("c.energy"), ChannelStatus.DEVICE_ERROR, "error byte 04: password wrong or not authorised");
    sim.addMeter(CHARGER);                     // a meter that keeps none of these items
    Sample none = bus.sample();
    assertStatus(none.get("c.cover"), ChannelStatus.DEVICE_ERROR, "no such data");
    assertEquals(1_234_567, none.get("e.energy").mantissa());

    board.faults("sim:e").corruptNext(1);
    assertStatus(bus.sample().get("e.energy"), ChannelStatus.CRC_ERROR, "bad checksum");
    board.faults("sim:e").garbageBeforeNext(5, 25);
    assertEquals(ChannelValue.ok("e.power", 2_345), bus.sample().get("e.power"), "garbage before each frame is skipped");
    board.faults("sim:e").silent(true);
    long before = sim.requests();
    Sample silent = bus.sample();
    assertStatus(silent.get("e.energy"), ChannelStatus.TIMEOUT, "meter 000012345678 00 00 00 00: no answer in 1000 ms");
    assertStatus(silent.get("e.power"), ChannelStatus.TIMEOUT, "not asked again in this sample");
    assertEquals(before + 2, sim.requests(), "one request to each silent meter, not one per channel");
  }

  private static void assertStatus(ChannelValue value, ChannelStatus status, String detail) {
    assertEquals(status, value.status(), value.toString());
    assertTrue(value.detail().contains(detail), value.toString());
  }
}

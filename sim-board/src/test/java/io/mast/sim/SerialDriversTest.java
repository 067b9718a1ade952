package io.mast.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.drivers.ChannelStatus;
import io.mast.drivers.ChannelValue;
import io.mast.drivers.Sample;
import io.mast.drivers.SensorDriver;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every serial driver of a single device (the dust and CO2 sensors, the modem) against its simulator,
 * over in-process lines and over socat pseudo-terminals (real ttys opened by jSerialComm): values
 * arrive at the channel's exponent, each fault gives its status, and the next sample after a fault
 * is good again. The bus drivers are in {@link BusDriversTest}.
 */
class SerialDriversTest {
  @TempDir
  Path dir;
  @org.junit.jupiter.api.extension.RegisterExtension
  final SimPoles.Benches benches = new SimPoles.Benches();

  @ParameterizedTest
  @EnumSource(SimulatedBoard.Transport.class)
  void pms5003InPassiveModeReportsItsConcentrationsAndRecoversFromEachFault(SimulatedBoard.Transport transport) throws Exception {
    SensorDriver pms = benches.openExample(transport, dir, "pms5003 on sim:pms5003");
    SimulatedBoard board = benches.board();
    board.set("air.pm25", 17);
    board.set("air.pm10", 23);
    assertEquals(List.of(ChannelValue.ok("air.pm25", 17), ChannelValue.ok("air.pm10", 23)), pms.sample().values());
    assertTrue(!((Pms5003Simulator) board.simulator("sim:pms5003")).activeMode(), "open switches the sensor to passive mode");

    board.faults("sim:pms5003").corruptNext(1);
    assertStatus(pms.sample(), ChannelStatus.CRC_ERROR);
    board.faults("sim:pms5003").garbageBeforeNext(1, 40);
    assertEquals(17, pms.sample().get("air.pm25").mantissa(), "garbage before a frame is skipped");
    board.faults("sim:pms5003").silent(true);
    assertStatus(pms.sample(), ChannelStatus.TIMEOUT);
    board.faults("sim:pms5003").silent(false).truncateNext(1);
    assertStatus(pms.sample(), ChannelStatus.BAD_FRAME);
    assertEquals(23, pms.sample().get("air.pm10").mantissa(), "the sample after a partial frame is good");
  }

  @ParameterizedTest
  @EnumSource(SimulatedBoard.Transport.class)
  void mhz19ReportsCo2AndSurvivesSlowBytesAndBadChecksums(SimulatedBoard.Transport transport) throws Exception {
    SensorDriver co2 = benches.openExample(transport, dir, "mhz19 on sim:mhz19");
    SimulatedBoard board = benches.board();
    board.set("air.co2", 612);
    assertEquals(ChannelValue.ok("air.co2", 612), co2.sample().get("air.co2"));
    board.faults("sim:mhz19").slowBytes(20);
    assertEquals(612, co2.sample().get("air.co2").mantissa(), "nine bytes 20 ms apart still make a frame");
    board.faults("sim:mhz19").slowBytes(0).corruptNext(1);
    assertStatus(co2.sample(), ChannelStatus.CRC_ERROR);
    board.set("air.co2", 1999);
    assertEquals(1999, co2.sample().get("air.co2").mantissa());
  }

  @ParameterizedTest
  @EnumSource(SimulatedBoard.Transport.class)
  void modemReportsSignalAndSaysWhenThereIsNone(SimulatedBoard.Transport transport) throws Exception {
    SensorDriver modem = benches.openExample(transport, dir, "modem on sim:modem");
    SimulatedBoard board = benches.board();
    board.set("link.rsrp", -97);
    board.set("link.sinr", 12);
    assertEquals(List.of(ChannelValue.ok("link.rsrp", -97), ChannelValue.ok("link.sinr", 12)), modem.sample().values());
    AtModemSimulator sim = (AtModemSimulator) board.simulator("sim:modem");
    sim.unsolicited("+QIURC: \"pdpdeact\",1");
    sim.setRegistration(2);
    assertStatus(modem.sample(), ChannelStatus.NO_VALUE);
    sim.setRegistration(1);
    board.faults("sim:modem").garbageBeforeNext(1, 30);
    assertEquals(-97, modem.sample().get("link.rsrp").mantissa(), "garbage before an answer is skipped");
  }

  @org.junit.jupiter.api.Test
  void anUnpluggedPortIsALostDeviceNotABadReading() throws Exception {
    SensorDriver pms = benches.openExample(SimulatedBoard.Transport.IN_PROCESS, dir, "pms5003 on sim:pms5003");
    SimulatedBoard board = benches.board();
    board.unplug("sim:pms5003", true);
    IOException lost = assertThrows(IOException.class, pms::sample);
    assertTrue(lost.getMessage().contains("sim:pms5003"), lost.getMessage());
    pms.close();
    assertThrows(IOException.class, pms::open);
    board.unplug("sim:pms5003", false);
    pms.open();
    assertTrue(pms.sample().get("air.pm25").isOk());
  }

  static void assertStatus(Sample sample, ChannelStatus status) {
    for (ChannelValue v : sample.values()) {
      assertStatus(v, status);
    }
  }

  static void assertStatus(ChannelValue value, ChannelStatus status) {
    assertEquals(status, value.status(), value.toString());
    assertTrue(!value.detail().isEmpty(), "a failed value says why: " + value);
  }
}

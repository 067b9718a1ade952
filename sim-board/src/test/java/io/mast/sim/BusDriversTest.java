package io.mast.sim;

import static io.mast.sim.SerialDriversTest.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mast.drivers.ChannelStatus;
import io.mast.drivers.ChannelValue;
import io.mast.drivers.SensorDriver;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The bus drivers against their simulators, over in-process lines and over socat pseudo-terminals
 * (real ttys opened by jSerialComm): Modbus RTU (two slaves on the RS-485 bus, 32-bit values, a
 * corrupt answer, a silent bus) and M-Bus (a heat meter decoded by jMBus, a corrupt telegram).
 */
class BusDriversTest {
  @TempDir
  Path dir;
  @org.junit.jupiter.api.extension.RegisterExtension
  final SimPoles.Benches benches = new SimPoles.Benches();

  @ParameterizedTest
  @EnumSource(SimulatedBoard.Transport.class)
  void modbusReadsInputAndHoldingRegistersOfTwoSlavesIncluding32BitValues(SimulatedBoard.Transport transport) throws Exception {
    SensorDriver modbus = benches.openExample(transport, dir, "modbus_rtu on sim:rs485");
    SimulatedBoard board = benches.board();
    board.set("water.ph", 712);
    board.set("water.turbidity", 35);
    board.set("gas.ch4", 123_456);
    assertEquals(List.of(ChannelValue.ok("water.ph", 712), ChannelValue.ok("water.turbidity", 35),
        ChannelValue.ok("gas.ch4", 123_456)), modbus.sample().values());

    board.faults("sim:rs485").corruptNext(3);
    assertStatus(modbus.sample().get("water.ph"), ChannelStatus.CRC_ERROR);
    board.faults("sim:rs485").silent(true);
    assertStatus(modbus.sample().get("gas.ch4"), ChannelStatus.TIMEOUT);
    board.faults("sim:rs485").silent(false);
    board.set("water.ph", 713);
    assertEquals(ChannelValue.ok("water.ph", 713), modbus.sample().get("water.ph"), "the bus answers again after silence");
  }

  @ParameterizedTest
  @EnumSource(SimulatedBoard.Transport.class)
  void mbusMeterVolumeIsDecodedByJmbusAtTheChannelExponent(SimulatedBoard.Transport transport) throws Exception {
    SensorDriver mbus = benches.openExample(transport, dir, "mbus on sim:mbus");
    SimulatedBoard board = benches.board();
    board.set("heat.volume", 4_321_987); // 4321.987 m3 at exponent -3
    assertEquals(ChannelValue.ok("heat.volume", 4_321_987), mbus.sample().get("heat.volume"));
    board.faults("sim:mbus").corruptNext(1);
    assertStatus(mbus.sample(), ChannelStatus.CRC_ERROR);
    assertEquals(4_321_987, mbus.sample().get("heat.volume").mantissa());
  }
}

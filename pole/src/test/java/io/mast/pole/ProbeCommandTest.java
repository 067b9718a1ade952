package io.mast.pole;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.cli.Cli;
import io.mast.sim.SimulatedBoard;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mast probe} against the simulated board's pseudo-terminals, as a technician would use it. */
class ProbeCommandTest {
  @TempDir
  Path dir;

  @Test
  void probesShowDecodedValuesTheExactErrorOrAMissingPort() throws Exception {
    try (SimulatedBoard board = SimulatedBoard.start(SimulatedBoard.exampleConfig(), SimulatedBoard.Transport.PTY, dir)) {
      board.set("water.ph", 712);
      board.set("water.turbidity", 35);
      String rs485 = board.ptyPaths().get("sim:rs485").toString();
      Cli.Result modbus = Cli.run("", "probe", "modbus", "--port", rs485, "--address", "1", "--register", "0", "--count", "2", "--input");
      assertEquals(new Cli.Result(0, "register 0 = 712\nregister 1 = 35\n", ""), modbus);

      Cli.Result missing = Cli.run("", "probe", "modbus", "--port", rs485, "--address", "1", "--register", "7");
      assertEquals(1, missing.status());
      assertTrue(missing.out().startsWith("register 7 DEVICE_ERROR: slave 1 answered exception code 2"), missing.out());

      board.faults("sim:pms5003").silent(true);
      Cli.Result pms = Cli.run("", "probe", "pms5003", "--port", board.ptyPaths().get("sim:pms5003").toString());
      assertEquals(1, pms.status());
      assertTrue(pms.out().contains("pm2_5 ug/m3 TIMEOUT: no answer in 1500 ms"), pms.out());

      Cli.Result co2 = Cli.run("", "probe", "mhz19", "--port", board.ptyPaths().get("sim:mhz19").toString());
      assertEquals(new Cli.Result(0, "co2 ppm = 420\ntemperature degC = 18\n", ""), co2);
    }
    Cli.Result gone = Cli.run("", "probe", "modem", "--port", dir.resolve("nothing").toString());
    assertEquals(2, gone.status());
    assertTrue(gone.err().contains("does not exist"), gone.err());
  }

  @Test
  void meterProbesShowTheAddressAndEveryValueOrWhyNot() throws Exception {
    try (SimulatedBoard board = SimulatedBoard.start(SimulatedBoard.exampleConfig(), SimulatedBoard.Transport.PTY, dir)) {
      board.set("district.water.volume", 123_456);
      board.set("district.water.valve_closed", 1);
      board.set("lighting.energy", 1_234_567);
      board.set("lighting.power", 2_345);
      board.set("lighting.voltage", 2_305);
      String meters = board.ptyPaths().get("sim:meters").toString();

      Cli.Result water = Cli.run("", "probe", "cjt188", "--port", meters, "--address", "20250000000101");
      assertEquals(0, water.status(), water.toString());
      assertTrue(water.out().startsWith("address = 20250000000101\nmeter type = cold water (10)\nvolume = 1234.56 m3\n"), water.out());
      assertTrue(water.out().contains("\nvalve = closed\nbattery = ok\nstatus = ST0 01 ST1 00\n"), water.out());

      Cli.Result both = Cli.run("", "probe", "cjt188", "--port", meters);
      assertEquals(1, both.status(), both.toString());
      assertTrue(both.out().startsWith("address CRC_ERROR: ") && both.out().contains("several meters answering the broadcast"), both.out());

      Cli.Result missing = Cli.run("", "probe", "cjt188", "--port", meters, "--address", "99999999999999");
      assertEquals(new Cli.Result(1, "address = 99999999999999\nread data TIMEOUT: meter 99999999999999: no answer in 1500 ms\n", ""), missing);

      Cli.Result lamps = Cli.run("", "probe", "dlt645", "--port", board.ptyPaths().get("sim:dlt645").toString());
      assertEquals(0, lamps.status(), lamps.toString());
      assertTrue(lamps.out().startsWith("address = 000012345678\nenergy = 12345.67 kWh   (combined active energy, total)\n"), lamps.out());
      assertTrue(lamps.out().contains("\nvoltage_a = 230.5 V   (phase A voltage)\n"), lamps.out());
      assertTrue(lamps.out().contains("\npower = 2.3450 kW   (active power, total)\n"), lamps.out());
      assertTrue(lamps.out().contains("\nenergy_t1 = 0.00 kWh   (combined active energy, tariff 1)\n"), lamps.out());
      assertTrue(lamps.out().contains("\nvoltage_b: not kept by this meter (phase B voltage)\n"), lamps.out());

      Cli.Result wrong = Cli.run("", "probe", "dlt645", "--port", meters, "--address", "12AB");
      assertEquals(2, wrong.status());
      assertTrue(wrong.err().contains("--address 12AB is not a dlt645 address: 12 digits"), wrong.err());
    }
  }
}

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
}

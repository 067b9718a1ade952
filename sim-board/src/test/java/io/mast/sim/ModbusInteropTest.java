package io.mast.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.drivers.BoardBuses;
import io.mast.drivers.ChannelSpec;
import io.mast.drivers.ChannelStatus;
import io.mast.drivers.ChannelValue;
import io.mast.drivers.internal.ModbusRtuDriver.ModbusPoint;
import io.mast.drivers.internal.ModbusRtuDriver;
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
 * Mast's Modbus code against other people's Modbus code over real pseudo-terminals: Debian's
 * pymodbus RTU server answers Mast's driver, and Debian's mbpoll reads Mast's slave simulator.
 * Needs {@code apt-get install -y socat python3-pymodbus mbpoll} (the project's test command
 * installs them on Debian).
 */
class ModbusInteropTest {
  @TempDir
  Path dir;

  @Test
  void mastDriverReadsPymodbusRtuServer() throws Exception {
    Path script = dir.resolve("server.py");
    Files.copy(ModbusInteropTest.class.getResourceAsStream("/pymodbus_rtu_server.py"), script);
    try (SocatPty pty = SocatPty.start(dir, "rs485")) {
      Path errors = dir.resolve("server.err");
      Process server = start(List.of("/usr/bin/python3", script.toString(), pty.devicePath().toString()),
          "python3-pymodbus python3-serial-asyncio", errors);
      try (BoardBuses buses = new BoardBuses()) {
        String ready = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertEquals("serving", ready, () -> "the pymodbus RTU server did not start; it needs Debian's python3-pymodbus with"
            + " its serial transport: apt-get install python3-pymodbus python3-serial-asyncio (./run-tests does this as root)."
            + " It said: " + read(errors));
        ModbusRtuDriver driver = new ModbusRtuDriver(buses, pty.driverPath().toString(), 9600, List.of(
            point("water.ph", -2, 3, 0, false, false),
            point("temp.delta", 0, 3, 1, false, true),
            point("gas.ch4", 0, 3, 2, true, false),
            point("water.turbidity", -1, 4, 0, false, false),
            point("missing", 0, 4, 9, false, false)));
        driver.open();
        try {
          List<ChannelValue> values = driver.sample().values();
          assertEquals(List.of(ChannelValue.ok("water.ph", 712), ChannelValue.ok("temp.delta", -2),
              ChannelValue.ok("gas.ch4", 123_456), ChannelValue.ok("water.turbidity", 35)), values.subList(0, 4));
          assertEquals(ChannelStatus.DEVICE_ERROR, values.get(4).status(), values.get(4).toString());
          assertTrue(values.get(4).detail().contains("exception code 2"), values.get(4).detail());
        } finally {
          driver.close();
        }
      } finally {
        server.destroy();
        server.waitFor(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void mbpollReadsMastSlaveSimulator() throws Exception {
    try (SimulatedBoard board = SimulatedBoard.start(SimPoles.example(), SimulatedBoard.Transport.PTY, dir)) {
      board.set("water.ph", 712);
      board.set("water.turbidity", 35);
      board.set("gas.ch4", 123_456);
      Path port = board.ptyPaths().get("sim:rs485");
      assertEquals(List.of("[1]: \t712", "[2]: \t35"), mbpoll(port, "-a", "1", "-t", "3", "-r", "1", "-c", "2"));
      assertEquals(List.of("[1]: \t1", "[2]: \t57920 (-7616)"), mbpoll(port, "-a", "2", "-t", "4", "-r", "1", "-c", "2"));
    }
  }

  /** mbpoll's register lines for one poll: RTU, 9600 8N1, one poll, registers numbered from 1. */
  private List<String> mbpoll(Path port, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("mbpoll", "-m", "rtu", "-b", "9600", "-P", "none", "-1", "-o", "1"));
    command.addAll(List.of(args));
    command.add(port.toString());
    Process p = start(command, "mbpoll", dir.resolve("mbpoll.err"));
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(10, TimeUnit.SECONDS), "mbpoll did not finish");
    assertEquals(0, p.exitValue(), "mbpoll failed:\n" + out);
    return out.lines().filter(l -> l.startsWith("[")).map(String::strip).toList();
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "(" + e + ")";
    }
  }

  private static Process start(List<String> command, String debianPackage, Path errors) throws IOException {
    try {
      return new ProcessBuilder(command).redirectError(errors.toFile()).start();
    } catch (IOException e) {
      throw new IOException(command.get(0) + " is needed: apt-get install -y " + debianPackage + " (" + e.getMessage() + ")", e);
    }
  }

  private static ModbusPoint point(String channel, int exponent, int function, int register, boolean wide, boolean signed) {
    return new ModbusPoint(ChannelSpec.plain(channel, "", exponent), 1, function, register, wide, signed, false);
  }
}

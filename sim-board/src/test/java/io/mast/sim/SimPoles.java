package io.mast.sim;

import io.mast.config.DeviceConfigs;
import io.mast.config.model.DeviceConfig;
import io.mast.drivers.DriverCatalog;
import io.mast.drivers.SensorDriver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The example simulated pole of {@code config/examples/sim-pole.json}, and its drivers by name. */
final class SimPoles {
  private SimPoles() {}

  static DeviceConfig example() throws Exception {
    Path file = Path.of("..", "config", "examples", "sim-pole.json");
    return DeviceConfigs.parseJson(Files.readString(file));
  }

  static SensorDriver driver(List<SensorDriver> drivers, String name) {
    return drivers.stream().filter(d -> d.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no driver " + name + " in " + drivers.stream().map(SensorDriver::name).toList()));
  }

  static List<SensorDriver> drivers(DeviceConfig config, SimulatedBoard board, Path dir) {
    return DriverCatalog.build(config, board, dir.resolve("meters"));
  }

  /** Closes the bench a test started once the test is over, whatever happened in it. */
  static final class Benches implements org.junit.jupiter.api.extension.AfterEachCallback {
    private Bench bench;

    Bench start(DeviceConfig config, SimulatedBoard.Transport transport, Path dir) throws Exception {
      bench = Bench.start(config, transport, dir);
      return bench;
    }

    /** Starts a bench of the example pole and opens its driver {@code name}; {@link #board()} is that bench's board. */
    SensorDriver openExample(SimulatedBoard.Transport transport, Path dir, String name) throws Exception {
      return start(example(), transport, dir).open(name);
    }

    /** The board of the bench started last. */
    SimulatedBoard board() {
      return bench.board;
    }

    @Override
    public void afterEach(org.junit.jupiter.api.extension.ExtensionContext context) {
      if (bench != null) {
        bench.close();
        bench = null;
      }
    }
  }

  /** A simulated board and the drivers of a config on it, closed together (drivers first). */
  static final class Bench implements AutoCloseable {
    final SimulatedBoard board;
    final List<SensorDriver> drivers;

    private Bench(SimulatedBoard board, List<SensorDriver> drivers) {
      this.board = board;
      this.drivers = drivers;
    }

    static Bench start(DeviceConfig config, SimulatedBoard.Transport transport, Path dir) throws Exception {
      SimulatedBoard board = SimulatedBoard.start(config, transport, dir);
      return new Bench(board, drivers(config, board, dir));
    }

    /** The driver named {@code name}, opened. */
    SensorDriver open(String name) throws Exception {
      SensorDriver driver = driver(drivers, name);
      driver.open();
      return driver;
    }

    @Override
    public void close() {
      drivers.forEach(SensorDriver::close);
      board.close();
    }
  }
}

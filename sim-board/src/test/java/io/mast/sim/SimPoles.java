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
}

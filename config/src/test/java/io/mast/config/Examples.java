package io.mast.config;

import io.mast.config.model.DeviceConfig;
import java.nio.file.Files;
import java.nio.file.Path;

/** The example configs shipped in config/examples, which tests mutate one rule at a time. */
final class Examples {
  private Examples() {}

  static Path path(String name) {
    return Path.of("examples", name);
  }

  static String json(String name) throws Exception {
    return Files.readString(path(name));
  }

  static DeviceConfig sim() throws Exception {
    return DeviceConfigs.parseJson(json("sim-pole.json"));
  }
}

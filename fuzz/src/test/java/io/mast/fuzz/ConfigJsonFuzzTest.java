package io.mast.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.config.ConfigException;
import io.mast.config.DeviceConfigs;
import io.mast.config.Validation;
import io.mast.config.model.DeviceConfig;
import java.nio.charset.StandardCharsets;

/**
 * A config file (an integrator's JSON, a technician's edit) from any text: parsed and validated
 * as the pole does (every problem listed), or {@link ConfigException}. Seeds: the example configs.
 */
class ConfigJsonFuzzTest {
  @FuzzTest
  void parseAndValidate(byte[] json) {
    Expected.only(ConfigException.class, () -> {
      DeviceConfig c = DeviceConfigs.parseJson(new String(json, StandardCharsets.UTF_8));
      DeviceConfigs.validate(c, Validation.Mode.DRY_RUN);
      DeviceConfigs.effective(c);
    });
  }
}

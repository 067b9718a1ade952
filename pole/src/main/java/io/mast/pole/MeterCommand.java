package io.mast.pole;

import io.mast.cli.Defaults;
import io.mast.config.DeviceConfigs;
import io.mast.config.model.DeviceConfig;
import io.mast.config.model.DriverKind;
import io.mast.config.model.Sensor;
import io.mast.drivers.DriverCatalog;
import io.mast.drivers.PulseTotals;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mast meter set-total}: at installation or after a meter swap, the technician sets a pulse
 * meter's total to the reading of its mechanical register, in the channel's unit ({@code 1234.567}
 * m3). The value is forced to flash before the command returns. It refuses while the runtime holds
 * the meter (use the console there) and refuses a value that is not a whole number of pulses.
 */
@Command(name = "meter", mixinStandardHelpOptions = true, description = "Pulse meter totals.",
    subcommands = MeterCommand.SetTotal.class)
final class MeterCommand {

  @Command(name = "set-total", mixinStandardHelpOptions = true,
      description = "Set a pulse meter's total to its mechanical register, in the channel's unit.")
  static final class SetTotal implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--config", defaultValue = Defaults.CONFIG_FILE, paramLabel = "FILE", description = "Device config naming the meter (default: ${DEFAULT-VALUE}).") Path config;
    @Option(names = "--sensor", required = true, paramLabel = "ID", description = "The pulse meter's sensor id in the config, e.g. water-meter.") String sensorId;
    @Option(names = "--value", required = true, paramLabel = "DECIMAL", description = "The meter's mechanical register in the channel's unit, e.g. 1234.56 (m3).") BigDecimal value;

    @Override
    public Integer call() throws IOException {
      DeviceConfig device = DeviceConfigs.effective(DeviceConfigs.readFile(config));
      Sensor sensor = device.getSensorsList().stream().filter(s -> s.getId().equals(sensorId)).findFirst().orElse(null);
      if (sensor == null || sensor.getDriver() != DriverKind.PULSE_METER) {
        spec.commandLine().getErr().println("mast meter: " + sensorId + " is not a pulse meter in " + config);
        return 2;
      }
      BigDecimal pulses = value.multiply(BigDecimal.valueOf(sensor.getPulsesPerUnit()));
      if (value.signum() < 0 || pulses.stripTrailingZeros().scale() > 0) {
        spec.commandLine().getErr().println("mast meter: " + value.toPlainString() + " " + sensor.getUnit() + " is not a whole number of pulses at "
            + sensor.getPulsesPerUnit() + " pulses per " + sensor.getUnit());
        return 2;
      }
      Path file = DriverCatalog.journalFile(DriverCatalog.meterDir(device), sensorId);
      PulseTotals.Checkpoint before = PulseTotals.set(file, pulses.longValueExact());
      spec.commandLine().getOut().println(sensorId + ": total " + before.total() + " -> " + pulses.longValueExact() + " pulses ("
          + value.toPlainString() + " " + sensor.getUnit() + "), on flash in " + file);
      return 0;
    }
  }
}

package io.mast.cli;

import io.mast.config.ConfigException;
import io.mast.config.DeviceConfigs;
import io.mast.config.Problem;
import io.mast.config.Validation;
import io.mast.config.model.DeviceConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mast config check|show|diff|schema}: check, show, compare and describe device configs,
 * in every distribution (the group's description is {@link CliCommands}'). Secrets are never
 * printed.
 */
final class ConfigCommand {
  private ConfigCommand() {}

  static DeviceConfig read(Path file) throws IOException {
    return DeviceConfigs.readFile(file);
  }

  @Command(name = "check", mixinStandardHelpOptions = true,
      description = {"Print ok, or every problem (path: value and what is allowed). Exit 0 if no errors, 1 otherwise.",
          "Files that must exist on the pole (TLS, password file) are warnings unless --on-device.",
          "Example: mast config check config/examples/rpi-pole.json"})
  static final class Check implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "The config file (JSON).")
    Path file;

    @Option(names = "--on-device", description = "Check as the pole does before applying: missing device files are errors.")
    boolean onDevice;

    @Override
    public Integer call() throws IOException {
      DeviceConfig config;
      try {
        config = read(file);
      } catch (ConfigException e) {
        if (e.problems().isEmpty()) {
          System.out.println(e.getMessage());
        } else {
          e.problems().forEach(System.out::println);
        }
        return 1;
      }
      List<Problem> problems = DeviceConfigs.validate(config, onDevice ? Validation.Mode.DEVICE : Validation.Mode.DRY_RUN);
      problems.forEach(System.out::println);
      if (problems.stream().noneMatch(Problem::isError)) {
        System.out.println("ok");
        return 0;
      }
      return 1;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true,
      description = {"Print the effective config (defaults filled in, secrets masked), or the value at PATH.",
          "Example: mast config show --config config/examples/sim-pole.json sensors[pms].interval_s"})
  static final class Show implements Callable<Integer> {
    @Option(names = "--config", defaultValue = Defaults.CONFIG_FILE, paramLabel = "FILE", description = "Config file (default: ${DEFAULT-VALUE}).")
    Path file;

    @Parameters(paramLabel = "PATH", arity = "0..1", description = "A field, e.g. uplink.keepalive_s; list entries by index or id: sensors[1], sensors[pms], alarms[air.pm25].")
    String path;

    @Override
    public Integer call() throws IOException {
      DeviceConfig config = DeviceConfigs.effective(read(file));
      System.out.print(path == null ? DeviceConfigs.toMaskedJson(config) : DeviceConfigs.valueAt(config, path) + "\n");
      return 0;
    }
  }

  @Command(name = "diff", mixinStandardHelpOptions = true,
      description = {"Print the paths whose effective values differ, as 'path: old -> new' (secrets masked).",
          "Sensors and alarm rules are matched by id and channel, wherever they sit in the list.",
          "Exit 0 when the configs are the same, 1 when they differ (as diff(1)), 2 on trouble."})
  static final class Diff implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "A", description = "The config before.")
    Path a;

    @Parameters(index = "1", paramLabel = "B", description = "The config after.")
    Path b;

    @Override
    public Integer call() {
      List<DeviceConfigs.Change> changes;
      try {
        changes = DeviceConfigs.diff(read(a), read(b));
      } catch (IOException e) {
        System.err.println("mast config diff: " + e.getMessage());
        return 2;
      }
      changes.forEach(System.out::println);
      if (changes.isEmpty()) {
        System.out.println("no changes");
        return 0;
      }
      return 1;
    }
  }

  @Command(name = "schema", mixinStandardHelpOptions = true,
      description = "Print every config field: path, type, unit, default, allowed range, meaning.")
  static final class Schema implements Callable<Integer> {
    @Override
    public Integer call() {
      DeviceConfigs.schema().forEach(System.out::println);
      return 0;
    }
  }
}

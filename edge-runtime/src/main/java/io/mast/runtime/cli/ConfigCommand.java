package io.mast.runtime.cli;

import io.mast.config.ConfigException;
import io.mast.config.DeviceConfigs;
import io.mast.config.Problem;
import io.mast.config.Validation;
import io.mast.config.model.DeviceConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mast config}: check, show, compare and describe device configs. Secrets are never printed. */
@Command(name = "config", mixinStandardHelpOptions = true,
    description = "Check, show, compare and describe device configs (JSON, e.g. /etc/mast/device.json).",
    subcommands = {ConfigCommand.Check.class, ConfigCommand.Show.class, ConfigCommand.Diff.class, ConfigCommand.Schema.class})
final class ConfigCommand implements Runnable {
  static final String DEFAULT_FILE = "/etc/mast/device.json";

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static DeviceConfig read(Path file) throws IOException {
    String json;
    try {
      json = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file + ": no such file");
    }
    try {
      return DeviceConfigs.parseJson(json);
    } catch (ConfigException e) {
      throw new ConfigException(file + ": " + e.getMessage(), e);
    }
  }

  @Command(name = "check", mixinStandardHelpOptions = true,
      description = {"Print ok, or every problem (path: value and what is allowed). Exit 0 if no errors, 1 otherwise.",
          "Files that must exist on the pole (TLS, password file) are warnings unless --on-device."})
  static final class Check implements Callable<Integer> {
    @Parameters(paramLabel = "FILE")
    Path file;

    @Option(names = "--on-device", description = "Check as the pole does before applying: missing device files are errors.")
    boolean onDevice;

    @Override
    public Integer call() throws IOException {
      DeviceConfig config;
      try {
        config = read(file);
      } catch (ConfigException e) {
        System.out.println(e.getMessage());
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
      description = "Print the effective config (defaults filled in, secrets masked), or the value at PATH such as uplink.keepalive_s or sensors[1].")
  static final class Show implements Callable<Integer> {
    @Option(names = "--file", defaultValue = DEFAULT_FILE, paramLabel = "FILE", description = "Config file (default: ${DEFAULT-VALUE}).")
    Path file;

    @Parameters(paramLabel = "PATH", arity = "0..1")
    String path;

    @Override
    public Integer call() throws IOException {
      DeviceConfig config = DeviceConfigs.effective(read(file));
      System.out.print(path == null ? DeviceConfigs.toMaskedJson(config) : DeviceConfigs.valueAt(config, path) + "\n");
      return 0;
    }
  }

  @Command(name = "diff", mixinStandardHelpOptions = true,
      description = "Print the paths whose effective values differ, as 'path: old -> new' (secrets masked).")
  static final class Diff implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "A")
    Path a;

    @Parameters(index = "1", paramLabel = "B")
    Path b;

    @Override
    public Integer call() throws IOException {
      List<DeviceConfigs.Change> changes = DeviceConfigs.diff(read(a), read(b));
      changes.forEach(System.out::println);
      if (changes.isEmpty()) {
        System.out.println("no changes");
      }
      return 0;
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

package io.mast.runtime.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code mast} command line: one entry point for the runtime on a pole and for the tools
 * people use around it. Each subcommand has its own {@code --help}. Exit status 0 is success,
 * 1 is bad input (a message on stderr says which), 2 is a usage error.
 */
@Command(
    name = "mast",
    mixinStandardHelpOptions = true,
    versionProvider = MastCommand.Version.class,
    description = "Mast: the edge runtime of a smart street pole, and its tools.",
    subcommands = {
      RunCommand.class,
      EncodeCommand.class,
      DecodeCommand.class,
      ConfigCommand.class,
      StoreCommand.class,
      BenchCommand.class,
      ProbeCommand.class,
      MeterCommand.class,
      SimCommand.class,
      CommandLine.HelpCommand.class
    })
public final class MastCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new MastCommand());
    cl.setExecutionExceptionHandler((e, line, parsed) -> {
      line.getErr().println(line.getCommandSpec().qualifiedName() + ": " + e.getMessage());
      return 1;
    });
    return cl;
  }

  /** The version from the jar manifest; "dev" when run from classes. */
  static String version() {
    String v = MastCommand.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"mast " + version()};
    }
  }
}

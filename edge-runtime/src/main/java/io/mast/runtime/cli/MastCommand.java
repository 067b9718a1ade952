package io.mast.runtime.cli;

import java.util.List;
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
    description = "Mast: the edge runtime of a smart street pole, and its tools.")
public final class MastCommand implements Runnable {
  /**
   * The subcommands, in the order help lists them. Picocli builds a command's model by reflection
   * over all its options; {@link #commandLine(String...)} builds only the one a command line names,
   * which takes about 120 ms and 500 classes off the start of {@code mast run}.
   */
  static final List<Class<?>> SUBCOMMANDS = List.of(
      RunCommand.class,
      EncodeCommand.class,
      DecodeCommand.class,
      ConfigCommand.class,
      StoreCommand.class,
      BenchCommand.class,
      ProbeCommand.class,
      MeterCommand.class,
      SimCommand.class,
      CdsCommand.class,
      CommandLine.HelpCommand.class);

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    if (System.console() != null && System.getProperty("tinylog.writer.format") == null) {
      // a person reads this: time, level and message fit 80 columns better than date, thread and class
      System.setProperty("tinylog.writer.format", "{date: HH:mm:ss} {level}: {message}");
    }
    System.exit(commandLine(args).execute(args));
  }

  /**
   * The command line for {@code args}: when they start with a subcommand's name, only that
   * subcommand is in it (what it parses and prints is the same); otherwise, and for {@code help},
   * all of them.
   */
  static CommandLine commandLine(String... args) {
    CommandLine cl = new CommandLine(new MastCommand());
    String first = args.length > 0 ? args[0] : "";
    List<Class<?>> named = SUBCOMMANDS.stream().filter(c -> c.getAnnotation(Command.class).name().equals(first)).toList();
    (named.isEmpty() || first.equals("help") ? SUBCOMMANDS : named).forEach(cl::addSubcommand);
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

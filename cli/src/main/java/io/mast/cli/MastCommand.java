package io.mast.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;
import picocli.CommandLine;

/**
 * The {@code mast} command line: one entry point for the runtime on a pole and for the tools
 * people use around it, made of the {@link CommandSet}s of the modules on the class path. Each
 * command has its own {@code --help}. Exit status 0 is success, 1 is bad input or a failure
 * outside (a message on stderr says which), 2 is a usage error.
 */
@Command(
    name = "mast",
    mixinStandardHelpOptions = true,
    versionProvider = MastCommand.Version.class,
    description = "Mast: the edge runtime of a smart street pole, and its tools.")
public final class MastCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    if (toJournal(System.getenv("JOURNAL_STREAM")) && System.getProperty("tinylog.writer") == null) {
      // under systemd, standard error goes to the journal: syslog priorities, no second timestamp
      System.setProperty("tinylog.writer", "journal");
    } else if (System.console() != null && System.getProperty("tinylog.writer.format") == null) {
      // a person reads this: time, level and message fit 80 columns better than date, thread and class
      System.setProperty("tinylog.writer.format", "{date: HH:mm:ss} {level}: {message}");
    }
    System.exit(commandLine(args).execute(args));
  }

  /**
   * Whether standard error is the journal's stream that {@code JOURNAL_STREAM} ("device:inode",
   * set by systemd) names: the variable alone is inherited by children whose error goes elsewhere.
   */
  static boolean toJournal(String journalStream) {
    if (journalStream == null || !journalStream.matches("[0-9]+:[0-9]+")) {
      return false;
    }
    try {
      java.nio.file.Path err = java.nio.file.Path.of("/proc/self/fd/2");
      long dev = ((Number) java.nio.file.Files.getAttribute(err, "unix:dev")).longValue();
      long ino = ((Number) java.nio.file.Files.getAttribute(err, "unix:ino")).longValue();
      return journalStream.equals(dev + ":" + ino);
    } catch (java.io.IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * The command line for {@code args}. Picocli builds a command's model by reflection over all its
   * options; when the arguments start with a command's (or a group's) name, only that one is
   * built, which takes about 120 ms and 500 classes off the start of {@code mast run}. For
   * {@code help}, no arguments or an unknown name, all of them.
   */
  public static CommandLine commandLine(String... args) {
    List<CommandSet> sets = new ArrayList<>();
    ServiceLoader.load(CommandSet.class, MastCommand.class.getClassLoader()).forEach(sets::add);
    sets.sort(Comparator.comparingInt(CommandSet::order));
    Map<String, String> described = new LinkedHashMap<>();
    for (CommandSet set : sets) {
      set.groups().forEach(g -> described.putIfAbsent(g.name(), g.description()));
    }
    String first = args.length > 0 ? args[0] : "";
    boolean named = sets.stream().flatMap(s -> s.commands().stream()).anyMatch(e -> key(e).equals(first));
    boolean all = !named || first.equals("help");

    CommandLine root = new CommandLine(new MastCommand());
    Map<String, CommandLine> groups = new LinkedHashMap<>();
    for (CommandSet set : sets) {
      for (CommandSet.Entry e : set.commands()) {
        if (!all && !key(e).equals(first)) {
          continue;
        }
        if (e.group().isEmpty()) {
          root.addSubcommand(e.command());
        } else {
          groups.computeIfAbsent(e.group(), g -> {
            CommandLine line = new CommandLine(new Group());
            line.getCommandSpec().name(g).usageMessage().description(described.getOrDefault(g, g));
            root.addSubcommand(g, line);
            return line;
          }).addSubcommand(e.command());
        }
      }
    }
    if (all) {
      root.addSubcommand(CommandLine.HelpCommand.class);
    }
    root.setParameterExceptionHandler(MastCommand::usageError);
    root.setExecutionExceptionHandler((e, line, parsed) -> {
      line.getErr().println(line.getCommandSpec().qualifiedName() + ": " + e.getMessage());
      return 1;
    });
    return root;
  }

  /**
   * A usage error: one line naming the command and what is wrong (picocli's suggestions for a
   * mistyped name after it), not the whole usage message, which scrolls the error out of a small
   * terminal; exit 2.
   */
  private static int usageError(ParameterException e, String[] args) {
    CommandLine line = e.getCommandLine();
    String name = line.getCommandSpec().qualifiedName();
    String hint = e instanceof UnmatchedArgumentException ? " (" + name + " --help lists what it takes)" : "";
    line.getErr().println(name + ": " + e.getMessage() + hint);
    UnmatchedArgumentException.printSuggestions(e, line.getErr());
    return line.getCommandSpec().exitCodeOnInvalidInput();
  }

  /** The name an entry is reached by from the top: its group's, or its own. */
  private static String key(CommandSet.Entry e) {
    return e.group().isEmpty() ? e.command().getAnnotation(Command.class).name() : e.group();
  }

  /** The version from the jar manifest; "dev" when run from classes. */
  public static String version() {
    String v = MastCommand.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"mast " + version()};
    }
  }

  /** A group of commands: prints its usage when run alone. */
  @Command(mixinStandardHelpOptions = true)
  static final class Group implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
  }
}

package io.mast.runtime.console;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The console's commands as one table, registered in the order {@code help} lists them (as
 * Zephyr's shell registers {@code SHELL_CMD}s): each entry names its words, help, whether it
 * changes the pole, the handler that runs it and how its arguments complete. The handlers live in
 * small classes by command group. Filled once by {@link Shell}, read-only after.
 */
final class CommandTable {
  /** Runs one command for a caller: the lines it prints go to {@code out}; returns its status. */
  interface Handler {
    int run(Shell.Caller caller, List<String> args, List<String> out) throws IOException;
  }

  /** Candidates for word {@code at} of a line whose words are {@code words} (the command is word 0). */
  interface Completer {
    List<String> complete(List<String> words, int at);
  }

  /**
   * One command. {@code changes}: the first argument words that make it change the pole (config
   * set, apply, discard), or {@link #ALWAYS} for a command that always does.
   */
  record Command(String name, String usage, String summary, String example, Set<String> changes, Handler handler,
      Completer completer) {

    /** Whether running it with {@code args} changes the pole, so the caller must be allowed to. */
    boolean changes(List<String> args) {
      return changes == ALWAYS || !args.isEmpty() && changes.contains(args.get(0));
    }
  }

  /** The changes of a command that always changes the pole. */
  static final Set<String> ALWAYS = Set.of("*");
  static final Completer NOTHING = (words, at) -> List.of();

  private final Map<String, Command> commands = new LinkedHashMap<>();

  /** A command that only reads and completes nothing. */
  CommandTable add(String name, String usage, String summary, String example, Handler handler) {
    return add(new Command(name, usage, summary, example, Set.of(), handler, NOTHING));
  }

  CommandTable add(Command command) {
    if (commands.putIfAbsent(command.name(), command) != null) {
      throw new IllegalArgumentException("command " + command.name() + " is registered twice");
    }
    return this;
  }

  Command get(String name) {
    return commands.get(name);
  }

  List<String> names() {
    return new ArrayList<>(commands.keySet());
  }

  Collection<Command> all() {
    return commands.values();
  }
}

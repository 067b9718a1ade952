package io.mast.cli;

import java.util.List;

/**
 * The {@code mast} commands one module offers, found with {@link java.util.ServiceLoader}: the
 * command line of a distribution is the modules it holds. The pole's has the pole's commands;
 * the platform's the platform tools; the developer's every one of them. A command goes at the
 * top ({@code mast run}) or into a group that several modules may add to ({@code mast bench
 * wire} from the platform tools, {@code mast bench e2e} from the developer kit).
 *
 * <p>Implementations are listed in {@code META-INF/services/io.mast.cli.CommandSet} of their jar
 * and must have a public no-argument constructor.
 */
public interface CommandSet {
  /** A picocli command class, at the top when {@code group} is empty, else inside that group. */
  record Entry(String group, Class<?> command) {
    public static Entry top(Class<?> command) {
      return new Entry("", command);
    }

    public static Entry in(String group, Class<?> command) {
      return new Entry(group, command);
    }
  }

  /** A group of commands and the line of help that describes it. */
  record Group(String name, String description) {}

  /** Where this set's commands come in help: lower first. */
  int order();

  /** The commands, in the order help lists them. */
  List<Entry> commands();

  /** The groups this set describes; a group named by an entry but described nowhere gets its name only. */
  default List<Group> groups() {
    return List.of();
  }
}

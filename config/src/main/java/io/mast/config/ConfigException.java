package io.mast.config;

import java.io.IOException;
import java.util.List;

/**
 * A config that cannot be used: it does not parse, is invalid (every problem is listed), or is not
 * newer than the current one. An {@link IOException} because configs come from outside: a file, the
 * platform, a technician.
 */
public final class ConfigException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient List<Problem> problems;

  public ConfigException(String message) {
    super(message);
    this.problems = List.of();
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
    this.problems = List.of();
  }

  public ConfigException(List<Problem> problems) {
    this(problems, null);
  }

  public ConfigException(List<Problem> problems, Throwable cause) {
    super(problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + " in the config:\n"
        + String.join("\n", problems.stream().map(Problem::toString).toList()), cause);
    this.problems = List.copyOf(problems);
  }

  /** The problems of a config read from {@code source} (a file name): the message names it. */
  public ConfigException(String source, List<Problem> problems, Throwable cause) {
    super(source + ": " + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + ":\n"
        + String.join("\n", problems.stream().map(Problem::toString).toList()), cause);
    this.problems = List.copyOf(problems);
  }

  /** Every problem found, errors and warnings; empty when the config could not be read at all. */
  public List<Problem> problems() {
    return problems;
  }
}

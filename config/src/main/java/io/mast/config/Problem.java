package io.mast.config;

/**
 * One thing wrong with a config: where (its JSON path, e.g. {@code sensors[3].interval_s}), and
 * what, with the bad value and what is allowed. Errors stop a config from being applied;
 * warnings (a TLS file missing on the machine that checks a config meant for a pole) do not.
 */
public record Problem(Severity severity, String path, String message) {
  public enum Severity { ERROR, WARNING }

  static Problem error(String path, String message) {
    return new Problem(Severity.ERROR, path, message);
  }

  static Problem warning(String path, String message) {
    return new Problem(Severity.WARNING, path, message);
  }

  public boolean isError() {
    return severity == Severity.ERROR;
  }

  /** {@code sensors[3].interval_s: 0 is below the minimum 1}, with "warning: " before warnings. */
  @Override
  public String toString() {
    return (isError() ? "" : "warning: ") + (path.isEmpty() ? "" : path + ": ") + message;
  }
}

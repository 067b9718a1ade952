package io.mast.fuzz;

/**
 * A target's parser run with the one checked exception its target declares let through (a clear
 * refusal); any other exception is thrown on as it is, for Jazzer to report as a finding.
 */
final class Expected {
  /** A parse that may throw. */
  interface Parse {
    void run() throws Exception;
  }

  private Expected() {}

  static void only(Class<? extends Exception> declared, Parse parse) {
    try {
      parse.run();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      if (!declared.isInstance(e)) {
        throw new IllegalStateException("an undeclared " + e.getClass().getName() + ": " + e.getMessage(), e);
      }
    }
  }
}

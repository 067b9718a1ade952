package io.mast.devkit.archfixture.console;

import io.mast.devkit.archfixture.Runtime;

/** An agent of the fixture that holds the whole runtime, as the console once did. */
public final class Shell {
  private final Runtime runtime;

  public Shell(Runtime runtime) {
    this.runtime = runtime;
  }

  public String prompt() {
    return runtime.deviceId() + ">";
  }
}

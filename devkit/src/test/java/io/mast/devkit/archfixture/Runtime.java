package io.mast.devkit.archfixture;

import io.mast.devkit.archfixture.console.Shell;

/**
 * A fixture for the architecture rules: the circle the runtime had before its reshape, in small.
 * The composition makes an agent and hands it itself, so the agent holds the whole runtime.
 */
public final class Runtime {
  private final Shell shell = new Shell(this);

  public String deviceId() {
    return "pole-1" + shell.hashCode();
  }
}

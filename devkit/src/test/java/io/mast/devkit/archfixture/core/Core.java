package io.mast.devkit.archfixture.core;

import io.mast.devkit.archfixture.agent.ConfigAgent;

/** A core of the fixture that makes its agent itself, as the runtime once did. */
public final class Core {
  private final ConfigAgent agent = new ConfigAgent();

  public long version() {
    return agent.nextVersion();
  }
}

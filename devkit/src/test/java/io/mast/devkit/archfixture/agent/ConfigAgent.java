package io.mast.devkit.archfixture.agent;

/** The fixture's agent made by its core. */
public final class ConfigAgent {
  public long nextVersion() {
    return 2;
  }
}

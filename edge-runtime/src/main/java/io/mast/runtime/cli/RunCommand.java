package io.mast.runtime.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mast run}: the runtime process. The sampler, ring store and uplink that it wires
 * together are not built yet, so it says exactly that and exits with status 3 instead of
 * pretending to run.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run the Mast runtime (with --sim: on a simulated board with an embedded broker).")
final class RunCommand implements Callable<Integer> {
  @Option(names = "--sim", description = "Run on the simulated board with an embedded MQTT broker.")
  boolean sim;

  @Option(names = "--config", paramLabel = "FILE", description = "Device config (default: the embedded simulated pole with --sim).")
  String config;

  @Override
  public Integer call() {
    System.err.println("mast run: the runtime is not built yet. Built so far: the wire format and its tools"
        + " (mast encode, mast decode, mast bench wire) and the device config (mast config). Still to come:"
        + " ring store, drivers and simulated board, and the runtime that joins them.");
    return 3;
  }
}

package io.mast.runtime.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code mast bench}: benchmarks that print figures as key=value pairs; never part of the tests. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Measure Mast's figures and print them as key=value pairs.",
    subcommands = {WireBench.class, StoreBench.class, E2eBench.class})
final class BenchCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}

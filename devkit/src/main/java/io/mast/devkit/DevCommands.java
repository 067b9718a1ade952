package io.mast.devkit;

import io.mast.cli.CommandSet;
import java.util.List;

/** The developer's commands: the simulated board alone, the benchmarks of the runtime, the class-data archive. */
public final class DevCommands implements CommandSet {
  @Override
  public int order() {
    return 30;
  }

  @Override
  public List<Entry> commands() {
    return List.of(Entry.top(SimCommand.class), Entry.in("bench", E2eBench.class), Entry.in("bench", StoreBench.class), Entry.in("bench", ConfigBench.class), Entry.in("bench", OtaBench.class), Entry.in("bench", FloodBench.class), Entry.in("bench", PowerCutBench.class), Entry.in("bench", DrainBench.class), Entry.in("bench", ChaosBench.class), Entry.top(FleetCommand.class), Entry.in("bench", IngestBench.class),
        Entry.in("bench", PowerCutWork.class),
        Entry.top(CdsCommand.class));
  }
}

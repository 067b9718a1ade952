package io.mast.pole;

import io.mast.cli.CommandSet;
import java.util.List;

/** The pole's commands: the runtime, and what a technician does on the board. */
public final class PoleCommands implements CommandSet {
  @Override
  public int order() {
    return 10;
  }

  @Override
  public List<Entry> commands() {
    return List.of(Entry.top(RunCommand.class), Entry.top(StoreCommand.class), Entry.top(ProbeCommand.class),
        Entry.top(MeterCommand.class), Entry.top(ConsoleCommand.class), Entry.top(ProvisionCommand.class));
  }
}

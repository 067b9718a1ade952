package io.mast.cli;

import java.util.List;

/** The commands of every distribution: the config tools. */
public final class CliCommands implements CommandSet {
  @Override
  public int order() {
    return 40;
  }

  @Override
  public List<Entry> commands() {
    return List.of(Entry.in("config", ConfigCommand.Check.class), Entry.in("config", ConfigCommand.Show.class),
        Entry.in("config", ConfigCommand.Diff.class), Entry.in("config", ConfigCommand.Schema.class));
  }

  @Override
  public List<Group> groups() {
    return List.of(new Group("config", "Check, show, compare and describe device configs (JSON, e.g. " + Defaults.CONFIG_FILE + ")."),
        new Group("bench", "Benchmarks that print figures (key=value lines)."));
  }
}

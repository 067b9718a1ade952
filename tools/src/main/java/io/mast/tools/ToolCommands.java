package io.mast.tools;

import io.mast.cli.CommandSet;
import java.util.List;

/** The platform tools: frames to readings and back, and what a reading costs on the wire. */
public final class ToolCommands implements CommandSet {
  @Override
  public int order() {
    return 20;
  }

  @Override
  public List<Entry> commands() {
    return List.of(Entry.top(EncodeCommand.class), Entry.top(DecodeCommand.class), Entry.in("bench", WireBench.class));
  }
}

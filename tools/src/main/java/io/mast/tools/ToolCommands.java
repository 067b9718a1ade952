package io.mast.tools;

import io.mast.cli.CommandSet;
import java.util.List;

/** The platform tools: frames to readings and back, what a reading costs on the wire, signing keys, config pushes, the remote console. */
public final class ToolCommands implements CommandSet {
  @Override
  public int order() {
    return 20;
  }

  @Override
  public List<Entry> commands() {
    return List.of(Entry.top(EncodeCommand.class), Entry.top(DecodeCommand.class), Entry.in("bench", WireBench.class),
        Entry.in("config", ConfigPush.Sign.class), Entry.in("config", ConfigPush.Push.class), Entry.in("keys", KeysCommand.Gen.class), Entry.top(RemoteCommand.class),
        Entry.in("ota", OtaPack.class), Entry.in("ota", OtaPublish.class),
        Entry.in("ota", OtaStatus.class), Entry.in("ota", OtaKeygen.class), Entry.in("ota", OtaTrust.class), Entry.top(IngestCommand.class));
  }

  @Override
  public List<Group> groups() {
    return List.of(new Group("keys", "Signing keys of the platform (Ed25519, PEM)."),
        new Group("ota", "Signed updates of Mast itself: bundles of content-defined chunks."));
  }
}

package io.mast.runtime.console;

import io.mast.config.model.DeviceConfig;
import io.mast.protocol.ConsoleMessages;
import io.mast.protocol.ControlRefusedException;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.SignedControl;
import io.mast.protocol.Topics;
import io.mast.runtime.core.Pole;
import io.mast.runtime.agent.ConfigAgent;
import io.mast.runtime.agent.ControlTrust;
import io.mast.runtime.health.ControlGate;
import io.mast.runtime.uplink.Link;
import io.mast.seams.DurableFiles;
import io.mast.seams.TwoSlotFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.tinylog.Logger;

/**
 * The console over MQTT: a command on the device's topic {@code x}, a
 * {@link SignedControl.Type#CONSOLE_COMMAND} envelope, runs through the same {@link Shell} as a
 * technician's line, and the reply goes on {@code xr} ({@link ConsoleMessages.Reply}, output cut
 * to {@value ConsoleMessages#MAX_REPLY_OUTPUT_BYTES} bytes).
 *
 * <p><b>Order of checks</b>, each only when the one before held: the envelope's size (at most
 * {@value ConsoleMessages#MAX_COMMAND_ENVELOPE_BYTES} bytes), a trusted key, the signature over the
 * exact body, then type, target and validity (the config agent's time rule: the clock never below
 * the persisted floor) — the same verifier as a config push; only then is the command parsed. A
 * refused envelope gets a reply with status -1 and every reason, and nothing runs.
 *
 * <p><b>Who may do what.</b> Reading commands run for any trusted key. Changes run only for a key
 * whose {@code trust.keys[].console_changes} is true; they are audited as {@code key:ID@mqtt}.
 * <b>Replays.</b> A command id runs once per key: ids seen recently are remembered (the newest
 * {@value #REMEMBERED}), and a change must carry an id above the highest change id this pole has
 * run, persisted (a {@link TwoSlotFile}, magic "MRCC"), so a captured change command does not run
 * again even after a restart within its validity. Tools use the time in milliseconds as the id.
 *
 * <p>Threads: Paho's thread hands the message to the console's own ({@code mast-remote}, a queue
 * of {@value #QUEUE}; more are dropped and counted).
 */
final class RemoteConsole implements AutoCloseable {
  static final int QUEUE = 4;
  static final int REMEMBERED = 256;
  private static final int MAGIC = 0x4d524343; // "MRCC"

  private final Pole runtime;
  private final Shell shell;
  private final ConsoleService service;
  private final TwoSlotFile changesFile;
  private final Link.Subscription subscription;
  private final io.mast.runtime.agent.AgentWorker worker;
  private final Map<String, Boolean> seen = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > REMEMBERED;
    }
  };
  private long highestChange;

  RemoteConsole(Pole runtime, Shell shell, ConsoleService service, Path dir) throws IOException {
    this.runtime = runtime;
    this.shell = shell;
    this.service = service;
    this.worker = new io.mast.runtime.agent.AgentWorker(runtime, "mast-remote", QUEUE);
    this.changesFile = TwoSlotFile.open(runtime.files(), dir.resolve("remote.state"), MAGIC, 32);
    if (!changesFile.opened().empty() && changesFile.opened().payload().length >= 8) {
      highestChange = ByteBuffer.wrap(changesFile.opened().payload()).getLong();
    }
    Link link = runtime.link();
    this.subscription = link.subscribe(link.topic(Topics.Kind.CONSOLE_COMMAND), (topic, payload) -> arrived(payload));
  }

  /** On Paho's thread: a command the pole's gate admitted at the socket, queued, or dropped and counted when the queue is full. */
  private void arrived(byte[] payload) {
    if (payload.length > 0 && !worker.offer(() -> handle(payload))) {
      runtime.gate().dropped(ControlGate.Topic.CONSOLE, QUEUE + " remote commands wait already");
    }
  }

  /** Remote commands handled (run or refused). */
  long handled() {
    return worker.handled();
  }

  long dropped() {
    return worker.dropped();
  }

  private void handle(byte[] payload) {
    DeviceConfig c = runtime.config();
    ConfigAgent agent = service.configAgent();
    SignedControl.Verified v;
    try {
      v = SignedControl.verify(payload, ConsoleMessages.MAX_COMMAND_ENVELOPE_BYTES, ControlTrust.keys(c),
          SignedControl.Type.CONSOLE_COMMAND, new SignedControl.Audience(runtime.deviceId(), Set.copyOf(c.getIdentity().getGroupsList())),
          agent.now(), agent.clockTrusted());
      agent.sawIssued(v.issuedAt());
    } catch (ControlRefusedException e) {
      // no trusted signature: answered only while the gate's answer budget lasts, so forgeries cannot make the pole talk
      String why = String.join("; ", e.reasons());
      if (runtime.gate().refused(ControlGate.Topic.CONSOLE, why, "console: a remote command was refused: " + why, e.signedBy() != null)) {
        reply(new ConsoleMessages.Reply(0, -1, "refused: " + why, ""));
      }
      return;
    }
    ConsoleMessages.Command command;
    try {
      command = ConsoleMessages.Command.parse(v.payload());
    } catch (FrameFormatException e) {
      runtime.gate().refused(ControlGate.Topic.CONSOLE, e.getMessage(), "console: a remote command of key '" + v.keyId()
          + "' was refused: " + e.getMessage(), true);
      reply(new ConsoleMessages.Reply(0, -1, "refused: " + e.getMessage(), v.keyId()));
      return;
    }
    String once = v.keyId() + "/" + Long.toUnsignedString(command.id());
    if (seen.put(once, Boolean.TRUE) != null) {
      runtime.gate().refused(ControlGate.Topic.CONSOLE, "seen again", "console: remote command " + Long.toUnsignedString(command.id())
          + " of key '" + v.keyId() + "' seen again; not run twice", true);
      return;
    }
    boolean mayChange = c.getTrust().getKeysList().stream().anyMatch(k -> k.getKeyId().equals(v.keyId()) && k.getConsoleChanges());
    Caller caller = new Caller(v.keyId(), mayChange, command.id());
    Shell.Result r = shell.run(caller, command.line());
    reply(new ConsoleMessages.Reply(command.id(), r.status(), String.join("\n", r.lines()) + "\n", v.keyId()).capped());
  }

  private void reply(ConsoleMessages.Reply reply) {
    runtime.link().publish(Topics.Kind.CONSOLE_REPLY, reply.toBytes(), false).whenComplete((ok, failure) -> {
      if (failure != null) {
        runtime.gate().say("console: the reply to remote command " + Long.toUnsignedString(reply.id()) + " was not delivered: "
            + failure.getMessage());
      }
    });
  }

  /** A remote command's caller: its key decides; a change must be newer than every change run. */
  private final class Caller implements Shell.Caller {
    private final String keyId;
    private final boolean keyMayChange;
    private final long id;
    private final Shell.Staged staged;

    Caller(String keyId, boolean keyMayChange, long id) {
      this.keyId = keyId;
      this.keyMayChange = keyMayChange;
      this.id = id;
      this.staged = service.remoteStaged(keyId);
    }

    @Override
    public String who() {
      return "key:" + keyId + "@mqtt";
    }

    @Override
    public boolean mayChange() {
      return keyMayChange && Long.compareUnsigned(id, highestChange) > 0;
    }

    @Override
    public boolean beginChange() {
      highestChange = id;
      try {
        changesFile.write(1, ByteBuffer.allocate(8).putLong(id).array());
      } catch (IOException e) {
        Logger.error("console: recording remote change {} failed ({}); refusing it", Long.toUnsignedString(id), e.getMessage());
        return false;
      }
      return true;
    }

    @Override
    public String howToChange() {
      return !keyMayChange ? "key '" + keyId + "' may only read (trust.keys[" + keyId + "].console_changes is false)"
          : "command id " + Long.toUnsignedString(id) + " is not above " + Long.toUnsignedString(highestChange)
              + ", the last change run; send it with a new id";
    }

    @Override
    public boolean interactive() {
      return false;
    }

    @Override
    public Shell.Staged staged() {
      return staged;
    }
  }

  @Override
  public void close() {
    subscription.close();
    try {
      worker.close();
      changesFile.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      Logger.warn("console: closing {}: {}", "remote.state", e.getMessage());
    }
  }
}

package io.mast.runtime.console;

import io.mast.config.model.DeviceConfig;
import io.mast.protocol.ConsoleMessages;
import io.mast.protocol.FrameFormatException;
import io.mast.runtime.EdgeRuntime;
import io.mast.runtime.agent.Platform;
import io.mast.sim.Mosquitto;
import io.mast.runtime.uplink.Link;
import io.mast.sim.SimulatedBoard;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;

/**
 * A simulated pole for the console's tests: Debian's Mosquitto, the platform's client on it, the
 * simulated board (in process) and a runtime whose technician PIN is {@value #PIN}; restartable
 * on the same state, as a power cycle.
 */
public final class Pole implements AutoCloseable {
  public static final String ID = "pole-3";
  public static final String PIN = "2468";
  /** Made once: 120,000 PBKDF2 iterations are slow on purpose. */
  static final String PIN_HASH = PinHash.hash(PIN.toCharArray());

  public final Path dir;
  public final Mosquitto mosquitto;
  public final Platform platform;
  public final DeviceConfig config;
  private final List<AutoCloseable> boards = new ArrayList<>();
  public EdgeRuntime runtime;
  /** When set, the runtime runs on this manual timer and its clock (sampling only when advanced). */
  io.mast.seams.ManualScheduler manual;

  public Pole(Path dir) throws Exception {
    this(dir, platform -> List.of(platform.trusted()));
  }

  /** A pole trusting the keys {@code keys} names (given the platform's client, whose key signs pushes), in {@code groups}. */
  public Pole(Path dir, java.util.function.Function<Platform, List<io.mast.config.model.TrustedKey>> keys, String... groups) throws Exception {
    this.dir = dir;
    this.mosquitto = Mosquitto.start(dir.resolve("mosquitto"));
    this.platform = new Platform(mosquitto.uri());
    DeviceConfig base = SimulatedBoard.exampleConfig();
    this.config = base.toBuilder()
        .setIdentity(base.getIdentity().toBuilder().setDeviceId(ID).addAllGroups(List.of(groups)))
        .setUplink(base.getUplink().toBuilder().clearBrokerUris().addBrokerUris(mosquitto.uri()).setReconnectMinMs(50).setReconnectMaxS(1))
        .setStore(base.getStore().toBuilder().setSyncIntervalMs(100))
        .setTrust(base.getTrust().toBuilder().clearKeys().addAllKeys(keys.apply(platform)))
        .setConsole(base.getConsole().toBuilder().setPinHash(PIN_HASH))
        .build();
  }

  /** Starts the pole on the system clock. */
  public Pole started() throws Exception {
    start();
    return this;
  }

  /** Starts the pole on a manual timer and its clock. */
  Pole startedManually() throws Exception {
    return startedManuallyAt(java.time.Instant.now());
  }

  /** The instant a manual clock starts at (a board without a real-time clock starts at 1970). */
  private java.time.Instant manualStart;

  /** Starts the pole on a manual timer whose clock starts at {@code start}, again at each restart. */
  public Pole startedManuallyAt(java.time.Instant start) throws Exception {
    manual = new io.mast.seams.ManualScheduler();
    manualStart = start;
    start();
    return this;
  }

  /** Starts the runtime (again) on the pole's state, connected. */
  public EdgeRuntime start() throws Exception {
    SimulatedBoard board = SimulatedBoard.start(config, SimulatedBoard.Transport.IN_PROCESS, dir);
    boards.add(board);
    EdgeRuntime.Options o = new EdgeRuntime.Options(config, ID, List.of(), dir.resolve("state"), board, null, null, 0, -1, "test");
    runtime = manual == null ? EdgeRuntime.start(o) : EdgeRuntime.start(o, manual.clock(manualStart), manual);
    Awaitility.await("connected").atMost(Duration.ofSeconds(30)).until(() -> runtime.link().state() == Link.State.CONNECTED);
    return runtime;
  }

  /** A power cycle: the runtime stops and starts again on the same state. */
  public void restart() throws Exception {
    runtime.close();
    start();
  }

  /** The audit records the platform received so far. */
  List<ConsoleMessages.Audit> audits() throws FrameFormatException {
    List<ConsoleMessages.Audit> out = new ArrayList<>();
    for (byte[] p : platform.payloads("m/" + ID + "/au")) {
      out.add(ConsoleMessages.Audit.parse(p));
    }
    return out;
  }

  /** Waits (bounded) for an audit record at the platform whose text contains {@code what}; returns it. */
  ConsoleMessages.Audit awaitAudit(String what) {
    ConsoleMessages.Audit[] found = new ConsoleMessages.Audit[1];
    Awaitility.await("an audit record '" + what + "' at the platform").atMost(Duration.ofSeconds(30)).until(() -> {
      for (ConsoleMessages.Audit a : audits()) {
        if (a.what().contains(what)) {
          found[0] = a;
          return true;
        }
      }
      return false;
    });
    return found[0];
  }

  @Override
  public void close() throws Exception {
    if (runtime != null) {
      runtime.close();
    }
    for (AutoCloseable b : boards) {
      b.close();
    }
    platform.close();
    mosquitto.close();
  }
}

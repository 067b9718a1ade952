package io.mast.pole;

import io.mast.cli.Defaults;
import io.mast.cli.MastCommand;
import io.mast.config.BrokerUri;
import io.mast.config.ConfigException;
import io.mast.config.DeviceConfigs;
import io.mast.config.Problem;
import io.mast.config.Validation;
import io.mast.config.model.DeviceConfig;
import io.mast.drivers.BoardBuses;
import io.mast.drivers.Buses;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.ReadingsCsv;
import io.mast.runtime.EdgeRuntime;
import io.mast.store.RingStore;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code mast run}: the runtime. On a board with its config ({@code --config}, by default
 * {@value Defaults.CONFIG_FILE}); with {@code --sim} on the simulated board, with an
 * embedded broker unless {@code --broker} names one. Stops cleanly on SIGTERM or Ctrl-C, after
 * sending what is stored (a bounded wait, {@link EdgeRuntime#DRAIN_WAIT}); with
 * {@code --duration} or {@code --replay} it stops by itself once everything stored is
 * acknowledged. Nothing starts (no broker, no board) until the config is valid and the store is
 * free: a second run on the same store is refused at once with the first one's process.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"Run the Mast runtime: sample, store, send over MQTT, move the store on acknowledgement.",
        "With --sim: the simulated board and an embedded MQTT broker on loopback, no hardware needed.",
        "Example: mast run --sim --link nbiot"})
final class RunCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--sim", description = "Run on the simulated board (and an embedded MQTT broker unless --broker is given).")
  boolean sim;

  @Option(names = "--config", paramLabel = "FILE", description = "Device config (default: " + Defaults.CONFIG_FILE
      + "; with --sim, the embedded simulated pole).")
  Path config;

  @Option(names = "--broker", paramLabel = "URI", description = "Broker to use instead of the config's (repeatable), e.g. tcp://127.0.0.1:1883.")
  List<String> brokers = new ArrayList<>();

  @Option(names = "--broker-port", paramLabel = "PORT", description = "TCP port of the embedded broker with --sim (default: the config's broker port if free, else any free port).")
  Integer brokerPort;

  @Option(names = "--device-id", paramLabel = "ID", description = "Device id instead of the config's identity.device_id.")
  String deviceId;

  @Option(names = "--store", paramLabel = "DIR", description = "Put the ring store and all other state under DIR (default: the config's store.dir).")
  Path stateDir;

  @Mixin ReplayOptions replay;

  @Option(names = "--channels", paramLabel = "FILE", description = "Channels CSV (channel,unit,exponent,interval_s,kind,description) of the --replay file.")
  Path channels;

  @Option(names = "--duration", paramLabel = "SECONDS", description = "Stop after this many seconds of sampling (or of the replay's data), once everything stored is acknowledged (default: run until stopped).")
  Long duration;

  @Option(names = "--link", paramLabel = "nbiot|direct", defaultValue = "direct", description = "With --sim: put an emulated NB-IoT link (10 kbit/s, 2 s latency, 1 s jitter, a cut every 10 min on average) between Mast and the broker (default: ${DEFAULT-VALUE}).")
  String link;

  @Option(names = "--console", paramLabel = "port|terminal|none", defaultValue = "port", description = {
      "Where the technician's console is besides the Unix socket (mast console): port, the config's console.serial_port "
          + "(with --sim, a pseudo-terminal to open with picocom); terminal, this terminal instead of the status line; "
          + "none (default: ${DEFAULT-VALUE})."})
  String consoleMode;

  @Option(names = "--slots", description = {"With --sim: lay the simulated pole out as a real one, OTA slots under its state directory "
      + "(slot a: this distribution), run it through the launcher and start it again when it exits for an update, as systemd does: "
      + "an update installs, proves itself and commits, or rolls back."})
  boolean slots;

  /** The exit status (EX_CONFIG) of a pole whose config is wrong or missing: the unit does not restart it. */
  static final int CONFIG_EXIT = 78;

  /** The exit status that asks the launcher's supervisor (systemd: Restart=on-failure) to start Mast again. */
  static final int RESTART_EXIT = 75;

  /** Where the serial console is: a fixed port (a simulated pole's pty), or with null the config's, as it changes. */

  /** With --console terminal: completes when the technician leaves the console (exit). */
  private java.util.concurrent.CompletableFuture<Void> terminalEnded = new java.util.concurrent.CompletableFuture<>();

  @Override
  public Integer call() throws Exception {
    PrintStream err = System.err;
    if ((replay.file == null) != (channels == null)) {
      throw new ParameterException(spec.commandLine(), "--replay and --channels go together");
    }
    if (!link.equals("direct") && !link.equals("nbiot")) {
      throw new ParameterException(spec.commandLine(), "--link is nbiot or direct, not '" + link + "'");
    }
    if (!List.of("port", "terminal", "none").contains(consoleMode)) {
      throw new ParameterException(spec.commandLine(), "--console is port, terminal or none, not '" + consoleMode + "'");
    }
    if (consoleMode.equals("terminal") && System.console() == null) {
      throw new ParameterException(spec.commandLine(), "--console terminal needs a terminal; this run's input or output is not one");
    }
    if (!link.equals("direct") && !sim) {
      throw new ParameterException(spec.commandLine(), "--link nbiot emulates the link of a simulated pole: give --sim too");
    }
    double speed = replay.speed(spec);
    for (String uri : brokers) {
      BrokerUri.refusal(uri).ifPresent(r -> {
        throw new ParameterException(spec.commandLine(), "--broker " + r);
      });
    }
    SimulatedPole simulated = !sim ? null : SimulatedPole.find().orElseThrow(() -> new ParameterException(spec.commandLine(),
        "--sim needs the simulated board, which the pole's distribution does not carry: use the developer's (./mast in a checkout)"));
    DeviceConfig device;
    try {
      device = loadConfig(simulated);
    } catch (ConfigException e) {
      if (sim) {
        throw e;
      }
      // a pole's own config: no restart mends it, so systemd is told not to try (RestartPreventExitStatus)
      err.println("mast run: " + e.getMessage());
      return CONFIG_EXIT;
    }
    RingStore.checkNotInUse(EdgeRuntime.storeDir(device, stateDir));
    Path simKey = null;
    if (sim && config == null) {
      Path root = stateDir != null ? stateDir : EdgeRuntime.storeDir(device, null).toAbsolutePath().getParent();
      simKey = SimPlatformKey.ensure(root);
      device = SimPlatformKey.withPin(SimPlatformKey.trusted(device, simKey), root);
    }
    if (slots) {
      return superviseSlots(device, simulated, err);
    }
    List<AutoCloseable> resources = new ArrayList<>();
    EdgeRuntime runtime = null;
    try {
      List<String> uris = new ArrayList<>(brokers);
      if (sim && uris.isEmpty()) {
        int port = simulated.startBroker(embeddedPort(device, simulated), resources);
        uris.add("tcp://127.0.0.1:" + port);
        err.println("mast: embedded MQTT broker on 127.0.0.1:" + port + "; to watch it:");
        PasteLines.subscribe(port).forEach(l -> err.println("  " + l));
      }
      // the brokers given (--broker, the embedded one), else the config's, which the uplink takes
      String shown = (uris.isEmpty() ? device.getUplink().getBrokerUrisList() : uris).stream().findFirst().orElse("none")
          .replaceFirst("^tcp://", "");
      if (!link.equals("direct")) {
        URI u = URI.create(uris.get(0));
        String shaped = simulated.startNbIotLink(u.getHost(), u.getPort(), resources);
        System.err.println("mast: NB-IoT link emulated on " + shaped + " -> " + uris.get(0));
        shown += " via the NB-IoT emulator";
        uris = List.of(shaped);
      }
      Buses buses = null;
      if (replay.file == null) {
        if (sim) {
          buses = simulated.startBoard(device, resources);
        } else {
          BoardBuses board = new BoardBuses();
          resources.add(0, board);
          buses = board;
        }
      }
      ChannelProfile profile = replay.file == null ? null : ReadingsCsv.readChannels(channels);
      String id = deviceId != null ? deviceId : device.getIdentity().getDeviceId();
      ConsolePlace.Serial consolePort = null;
      String root = System.getenv("MAST_ROOT"); // set by the launcher: the slots and the boot pointer
      boolean first = true;
      while (true) {
        runtime = EdgeRuntime.start(new EdgeRuntime.Options(device, id, uris, stateDir, buses, replay.file, profile,
            speed, duration == null ? -1 : duration, MastCommand.version()));
        if (first) {
          long window = device.getUplink().getBatchWindowS();
          err.println("mast: " + id + ", " + RunStatus.count(runtime.profile().size(), "channel") + " (profile "
              + runtime.profile().hexId() + "), broker " + shown);
          if (simKey != null && brokers.isEmpty()) {
            PasteLines.push(uris.get(0), id, simKey, runtime.stateRoot().resolve("config/current.json"), runtime.config().getVersion())
                .forEach(err::println);
          }
          consolePort = ConsolePlace.choose(consoleMode, replay.file != null, config == null, runtime, simulated, resources, err);
          err.println("mast: " + (replay.file != null ? "replaying " + replay.file.getFileName()
              : "first frame in about " + window + " s, then every " + window + " s (batch window)")
              + (consoleMode.equals("terminal") ? "; exit stops" : "; Ctrl-C stops"));
        }
        serveConsole(runtime, buses, consolePort);
        runtime.startOta(root == null || root.isBlank() ? null : Path.of(root), System.getenv("MAST_SLOT"), SlotSupervisor.trialDeadline());
        EdgeRuntime running = runtime;
        String brokerShown = shown;
        SystemdWatchdog watchdog = SystemdWatchdog.fromEnvironment(runtime, () -> {
          try {
            return RunStatus.line(running.snapshot(), brokerShown, 200);
          } catch (IOException e) {
            return "status unavailable: " + e.getMessage();
          }
        });
        int rc = runUntilDone(runtime, shown, watchdog);
        if (!runtime.restartRequested().isDone()) {
          return rc;
        }
        if (root != null && !root.isBlank()) {
          // under the launcher a restart is a new process: it picks the slot and counts a trial's starts
          err.println("mast: exiting for the launcher to start Mast again (" + runtime.restartRequested().getNow("") + ")");
          return RESTART_EXIT;
        }
        err.println("mast: restarting (" + runtime.restartRequested().getNow("") + ")");
        runtime = null;
        first = false;
      }
    } finally {
      if (runtime != null) {
        runtime.close();
      }
      for (AutoCloseable r : resources) {
        r.close();
      }
    }
  }

  /** Attaches the console's transports to a (re)started runtime. */
  private void serveConsole(EdgeRuntime runtime, Buses buses, ConsolePlace.Serial place) throws IOException {
    runtime.console().serveSocket(ConsoleCommand.socketOf(runtime.stateRoot()));
    if (place != null) {
      // a fixed port, or (null) the config's port and speed, following changes
      runtime.console().serveSerial(buses, place.fixedPort(), runtime.config().getConsole().getBaud());
    }
    if (consoleMode.equals("terminal")) {
      // the console is this run's terminal: its exit stops Mast, as Ctrl-C would without it
      terminalEnded = runtime.console().attach(StdioTerminal.open());
    }
  }

  private int superviseSlots(DeviceConfig device, SimulatedPole simulated, PrintStream err) throws Exception {
    if (!sim) {
      throw new ParameterException(spec.commandLine(), "--slots lays out a simulated pole's OTA slots: give --sim too");
    }
    String launched = System.getenv("MAST_ROOT");
    if (launched != null && !launched.isBlank()) {
      throw new ParameterException(spec.commandLine(), "--slots: this Mast already runs from the slots under " + launched);
    }
    Path root = (stateDir != null ? stateDir : EdgeRuntime.storeDir(device, null).toAbsolutePath().getParent()).toAbsolutePath();
    Files.createDirectories(root);
    List<String> args = new ArrayList<>(spec.commandLine().getParseResult().originalArgs());
    args = new ArrayList<>(args.subList(args.indexOf("run") + 1, args.size()));
    args.remove("--slots");
    List<AutoCloseable> resources = new ArrayList<>();
    try {
      String broker;
      if (brokers.isEmpty()) {
        int port = simulated.startBroker(embeddedPort(device, simulated), resources);
        broker = "tcp://127.0.0.1:" + port;
        args.addAll(List.of("--broker", broker));
        err.println("mast: embedded MQTT broker on 127.0.0.1:" + port + "; to watch it:");
        PasteLines.subscribe(port).forEach(l -> err.println("  " + l));
      } else {
        broker = brokers.get(0);
      }
      if (stateDir == null) {
        args.addAll(List.of("--store", root.toString()));
      }
      PasteLines.update(root, device.getBoard(), broker, deviceId != null ? deviceId : device.getIdentity().getDeviceId())
          .forEach(err::println);
      return SlotSupervisor.supervise(root, args, err);
    } finally {
      for (AutoCloseable r : resources) {
        r.close();
      }
    }
  }

  private DeviceConfig loadConfig(SimulatedPole simulated) throws IOException {
    DeviceConfig device;
    if (config == null && sim) {
      device = simulated.exampleConfig();
    } else {
      Path file = config != null ? config : Path.of(Defaults.CONFIG_FILE);
      try {
        device = DeviceConfigs.readFile(file);
      } catch (ConfigException e) {
        if (config == null && e.problems().isEmpty()) {
          throw new ConfigException(e.getMessage() + " (give --config FILE, or --sim for the simulated board)", e);
        }
        throw e;
      }
    }
    if (!sim && deviceId == null && device.getIdentity().getDeviceId().isEmpty()) {
      throw new ConfigException((config != null ? config : Path.of(Defaults.CONFIG_FILE)) + " gives this pole no identity"
          + " (identity.device_id is empty): it is not provisioned yet; give it one with"
          + " mast provision --device-id ID --broker URI (mast provision --help), then start it again");
    }
    List<Problem> problems = DeviceConfigs.validate(device, sim ? Validation.Mode.DRY_RUN : Validation.Mode.DEVICE);
    List<Problem> errors = problems.stream().filter(Problem::isError).toList();
    problems.stream().filter(p -> !p.isError()).forEach(p -> System.err.println("mast: config " + p));
    if (!errors.isEmpty()) {
      throw new ConfigException((config == null ? "the config" : config.toString()), errors, null);
    }
    return DeviceConfigs.effective(device);
  }

  private int embeddedPort(DeviceConfig device, SimulatedPole simulated) {
    if (brokerPort != null) {
      return brokerPort;
    }
    for (String uri : device.getUplink().getBrokerUrisList()) {
      URI u = URI.create(uri);
      if (u.getPort() > 0 && simulated.portFree(u.getPort())) {
        return u.getPort();
      }
    }
    return 0;
  }

  /**
   * Shows the status until the run ends by itself or a signal stops it. The runtime is closed
   * (which sends what is stored) and the summary printed exactly once, by whichever comes first:
   * this thread or the shutdown hook. The JVM waits for the hook, and the hook for the summary
   * (main may be printing it when the hook's own close returns), so the summary always appears.
   */
  private int runUntilDone(EdgeRuntime runtime, String broker, SystemdWatchdog watchdog) throws Exception {
    boolean terminalConsole = consoleMode.equals("terminal");
    CountDownLatch stop = new CountDownLatch(1);
    StatusScreen screen = StatusScreen.open(runtime.console() != null && terminalConsole ? StatusScreen.Mode.OFF : null, width -> {
      try {
        return RunStatus.line(runtime.snapshot(), broker, width);
      } catch (IOException e) {
        return "status unavailable: " + e.getMessage();
      }
    });
    AtomicBoolean summarized = new AtomicBoolean();
    CountDownLatch printed = new CountDownLatch(1);
    Runnable finish = () -> {
      if (watchdog != null) {
        watchdog.close(); // STOPPING=1 before the runtime sends what it stored
      }
      runtime.close();
      screen.close();
      if (summarized.compareAndSet(false, true)) {
        RunStatus.print(runtime, System.err);
        printed.countDown();
      }
    };
    Thread hook = new Thread(() -> {
      stop.countDown();
      finish.run();
      // the JVM halts when the hooks end, not when main does: if main took the summary, wait for it
      try {
        printed.await(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "mast-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      while (stop.getCount() > 0 && !(runtime.ends() && runtime.finished()) && !runtime.restartRequested().isDone()
          && !terminalEnded.isDone()) {
        screen.tick();
        runtime.awaitEnd(Duration.ofMillis(250));
      }
      return 0;
    } finally {
      finish.run();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // shutting down already: the hook runs, and prints nothing twice
      }
    }
  }


}

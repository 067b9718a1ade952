package io.mast.runtime.cli;

import io.mast.config.DeviceConfigs;
import io.mast.config.Problem;
import io.mast.config.Validation;
import io.mast.config.model.DeviceConfig;
import io.mast.drivers.BoardBuses;
import io.mast.drivers.Buses;
import io.mast.protocol.ChannelProfile;
import io.mast.runtime.EdgeRuntime;
import io.mast.protocol.ReadingsCsv;
import io.mast.sim.EmbeddedBroker;
import io.mast.sim.LinkShaper;
import io.mast.sim.SimSignals;
import io.mast.sim.SimulatedBoard;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mast run}: the runtime. On a board with {@code --config}; with {@code --sim} on the
 * simulated board, with an embedded broker unless {@code --broker} names one. Stops cleanly on
 * SIGTERM or Ctrl-C; with {@code --duration} or {@code --replay} it stops by itself once
 * everything stored is acknowledged.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"Run the Mast runtime: sample, store, send over MQTT, move the store on acknowledgement.",
        "With --sim: the simulated board and an embedded MQTT broker on loopback, no hardware needed."})
final class RunCommand implements Callable<Integer> {
  @Option(names = "--sim", description = "Run on the simulated board (and an embedded MQTT broker unless --broker is given).")
  boolean sim;

  @Option(names = "--config", paramLabel = "FILE", description = "Device config (default with --sim: the embedded simulated pole).")
  Path config;

  @Option(names = "--broker", paramLabel = "URI", description = "Broker to use instead of the config's (repeatable), e.g. tcp://127.0.0.1:1883.")
  List<String> brokers = new ArrayList<>();

  @Option(names = "--broker-port", paramLabel = "PORT", description = "Port of the embedded broker with --sim (default: the config's broker port if free, else any free port).")
  Integer brokerPort;

  @Option(names = "--device-id", paramLabel = "ID", description = "Device id instead of the config's identity.device_id.")
  String deviceId;

  @Option(names = "--store", paramLabel = "DIR", description = "Put the ring store and all other state under DIR.")
  Path stateDir;

  @Option(names = "--replay", paramLabel = "CSV", description = "Readings CSV (time,channel,value) to send instead of sampled values; needs --channels.")
  Path replay;

  @Option(names = "--channels", paramLabel = "CSV", description = "Channels CSV (channel,unit,exponent,interval_s,kind,description) of the --replay file.")
  Path channels;

  @Option(names = "--speed", paramLabel = "FACTOR|max", defaultValue = "max", description = "Replay speed: a factor over real time, or max (default: ${DEFAULT-VALUE}).")
  String speed;

  @Option(names = "--duration", paramLabel = "SECONDS", description = "Stop after this much simulated time, once everything sent is acknowledged.")
  Long duration;

  @Option(names = "--link", paramLabel = "nbiot|direct", defaultValue = "direct", description = "With --sim: put an emulated NB-IoT link (10 kbit/s, 2 s latency, 1 s jitter, a cut every 10 min on average) between Mast and the broker.")
  String link;

  @Override
  public Integer call() throws Exception {
    PrintStream err = System.err;
    if ((replay == null) != (channels == null)) {
      throw new IllegalArgumentException("--replay and --channels go together");
    }
    if (!sim && config == null) {
      throw new IllegalArgumentException("give --config FILE (on a board) or --sim (simulated board)");
    }
    DeviceConfig device = loadConfig();
    List<AutoCloseable> resources = new ArrayList<>();
    EdgeRuntime runtime = null;
    try {
      List<String> uris = new ArrayList<>(brokers);
      if (sim && uris.isEmpty()) {
        EmbeddedBroker broker = EmbeddedBroker.start(embeddedPort(device));
        resources.add(0, broker);
        uris.add(broker.uri());
        err.println("mast: embedded MQTT broker on " + broker.uri() + " (mosquitto_sub -h 127.0.0.1 -p " + broker.port() + " -t 'm/#' -v)");
      }
      if (!link.equals("direct")) {
        uris = List.of(shaper(uris.get(0), resources).uri());
      }
      Buses buses = null;
      if (replay == null) {
        buses = sim ? simulatedBoard(device, resources) : new BoardBuses();
        if (!sim) {
          resources.add(0, (AutoCloseable) buses);
        }
      }
      ChannelProfile profile = replay == null ? null : ReadingsCsv.readChannels(channels);
      String id = deviceId != null ? deviceId : device.getIdentity().getDeviceId();
      runtime = EdgeRuntime.start(new EdgeRuntime.Options(device, id, uris, stateDir, buses, replay, profile,
          replaySpeed(), duration == null ? -1 : duration, MastCommand.version()));
      err.println("mast: running as " + id + ", " + runtime.profile().size() + " channels, profile " + runtime.profile().hexId()
          + (replay != null ? ", replaying " + replay : ", first frame when the batch window of "
              + device.getUplink().getBatchWindowS() + " s closes") + "; Ctrl-C stops");
      return runUntilDone(runtime, err);
    } finally {
      if (runtime != null) {
        runtime.close();
        printSummary(runtime, err);
      }
      for (AutoCloseable r : resources) {
        r.close();
      }
    }
  }

  private DeviceConfig loadConfig() throws IOException, io.mast.config.ConfigException {
    DeviceConfig device = config == null ? SimulatedBoard.exampleConfig()
        : DeviceConfigs.parseJson(Files.readString(config, StandardCharsets.UTF_8));
    List<Problem> problems = DeviceConfigs.validate(device, sim ? Validation.Mode.DRY_RUN : Validation.Mode.DEVICE);
    List<Problem> errors = problems.stream().filter(p -> p.severity() == Problem.Severity.ERROR).toList();
    problems.stream().filter(p -> p.severity() != Problem.Severity.ERROR).forEach(p -> System.err.println("mast: config warning: " + p));
    if (!errors.isEmpty()) {
      errors.forEach(p -> System.err.println("mast: config error: " + p));
      throw new IllegalArgumentException("the config has " + errors.size() + " error(s); nothing started");
    }
    return DeviceConfigs.effective(device);
  }

  private int embeddedPort(DeviceConfig device) {
    if (brokerPort != null) {
      return brokerPort;
    }
    for (String uri : device.getUplink().getBrokerUrisList()) {
      URI u = URI.create(uri);
      if (u.getPort() > 0 && EmbeddedBroker.portFree(u.getPort())) {
        return u.getPort();
      }
    }
    return 0;
  }

  private LinkShaper shaper(String brokerUri, List<AutoCloseable> resources) throws IOException {
    if (!link.equals("nbiot")) {
      throw new IllegalArgumentException("--link is nbiot or direct, not '" + link + "'");
    }
    URI u = URI.create(brokerUri);
    LinkShaper shaper = LinkShaper.to(u.getHost(), u.getPort()).bitsPerSecond(10_000).latency(Duration.ofSeconds(2))
        .jitter(Duration.ofSeconds(1)).meanTimeBetweenCuts(Duration.ofMinutes(10)).start(0);
    resources.add(0, shaper);
    System.err.println("mast: NB-IoT link emulated on " + shaper.uri() + " -> " + brokerUri);
    return shaper;
  }

  private Buses simulatedBoard(DeviceConfig device, List<AutoCloseable> resources) throws IOException {
    SimulatedBoard board = SimulatedBoard.start(device, SimulatedBoard.Transport.IN_PROCESS, null);
    resources.add(0, board);
    SimSignals signals = new SimSignals(board, device, 1);
    signals.step();
    java.util.concurrent.ScheduledExecutorService ticker = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "mast-sim-signals");
      t.setDaemon(true);
      return t;
    });
    ticker.scheduleAtFixedRate(signals::step, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
    resources.add(0, ticker::shutdownNow);
    return board;
  }

  private double replaySpeed() {
    if (speed.equalsIgnoreCase("max")) {
      return 0;
    }
    double s = Double.parseDouble(speed);
    if (!(s > 0) || Double.isInfinite(s)) {
      throw new IllegalArgumentException("--speed is a positive factor or max, not '" + speed + "'");
    }
    return s;
  }

  private static int runUntilDone(EdgeRuntime runtime, PrintStream err) throws Exception {
    CountDownLatch stop = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      stop.countDown();
      runtime.close();
    }, "mast-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    StatusLine line = new StatusLine(runtime, err);
    try {
      while (stop.getCount() > 0) {
        if (runtime.ends() && runtime.finished()) {
          line.finish();
          return 0;
        }
        line.update();
        stop.await(line.active() ? 250 : 100, java.util.concurrent.TimeUnit.MILLISECONDS);
      }
      return 0;
    } finally {
      line.finish();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // shutting down already: the hook runs
      }
    }
  }

  private static void printSummary(EdgeRuntime runtime, PrintStream err) {
    try {
      EdgeRuntime.Snapshot s = runtime.snapshot();
      err.printf("mast: stopped after %.1f s: stored=%d sent=%d frames acked=%d frames (%d readings) alarms=%d wire_bytes=%d unacked_records=%d%n",
          runtime.uptimeMillis() / 1000.0, s.stored(), s.framesSent(), s.framesAcked(), s.readingsAcked(), s.alarms(),
          s.bytesOnWire(), s.unacked());
    } catch (IOException | RuntimeException e) {
      err.println("mast: stopped");
    }
  }
}

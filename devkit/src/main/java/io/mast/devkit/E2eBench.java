package io.mast.devkit;

import io.mast.config.DeviceConfigs;
import io.mast.config.model.DeviceConfig;
import io.mast.config.model.DriverKind;
import io.mast.config.model.ModbusRegister;
import io.mast.config.model.Sensor;
import io.mast.datasets.Dataset;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.FrameDecoder;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.Reading;
import io.mast.protocol.ReadingsCsv;
import io.mast.sim.EmbeddedBroker;
import io.mast.sim.SimulatedBoard;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mast bench e2e}: the runtime's footprint and throughput, measured on real processes. An
 * embedded broker and a subscriber run in this process; {@code mast run} runs as a child JVM.
 *
 * <ul>
 *   <li>{@code rss_mb}: the child's peak resident set (VmHWM) running the simulated board with 16
 *       sensors sampled every second, at {@code -Xmx32m}, over {@code --duration};
 *   <li>{@code start_to_first_publish_ms}: from starting the child to the subscriber receiving its
 *       first message (the retained birth), on a fresh store, which the child creates and
 *       preallocates; {@code restart_to_first_publish_ms}: the same for a second start on that
 *       store, as every later start of a pole is;
 *   <li>{@code floor_rss_mb} and {@code floor_start_to_first_publish_ms}: the same for the floor, a
 *       JVM with the same options doing only the MQTT part ({@link PahoFloor}: Paho publishing 16
 *       small messages a second), and {@code rss_ratio} and {@code start_ratio}, Mast's over the
 *       floor's; each footprint figure is the median of {@code --repeat} runs;
 *   <li>{@code readings_per_s}: readings the subscriber decoded from telemetry frames, over the time
 *       from the first to the last of them, replaying the water dataset {@code --copies} times
 *       over at speed max (store, group commits, frame cutting and the broker all included).
 * </ul>
 *
 * <p>Mast runs as a pole runs it: from a class-data archive of its jars (a pole's slot makes one
 * at install, {@code bin/mast-archive}). The archive next to the distribution's jar is used when
 * there is one ({@code mast cds}); otherwise the bench makes one for the run (a training run and
 * {@code java -Xshare:dump}, about 15 s), unless {@code --no-archive}. The floor runs on the JDK's
 * own archive, as any plain JVM does.
 */
@Command(name = "e2e", mixinStandardHelpOptions = true,
    description = "Measure the runtime end to end in child processes: rss_mb, start_to_first_publish_ms, each beside a bare Paho JVM's"
        + " (floor_rss_mb, floor_start_to_first_publish_ms, rss_ratio, start_ratio), and readings_per_s.")
final class E2eBench implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--duration", defaultValue = "30", paramLabel = "SECONDS", description = "How long the 16-sensor run samples, in seconds (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Option(names = "--repeat", defaultValue = "3", paramLabel = "N", description = "Footprint runs of Mast and of the floor; the figures are their medians (default: ${DEFAULT-VALUE}).")
  int repeat;

  @Option(names = "--copies", defaultValue = "8", paramLabel = "N", description = "Copies of the water dataset replayed back to back (default: ${DEFAULT-VALUE}).")
  int copies;

  @Option(names = "--xmx", defaultValue = "32m", paramLabel = "SIZE", description = "Heap limit of the child (default: ${DEFAULT-VALUE}).")
  String xmx;

  @Option(names = "--installed", paramLabel = "SLOT", description = {
      "Measure an installed pole instead of this build: the child is SLOT/bin/mast (e.g. /var/lib/mast/slots/a), with that slot's jars,",
      "JVM options and class-data archive; the jars of this build the slot lacks (the simulated board) are appended to its class path",
      "(MAST_CLASSPATH) for --sim."})
  Path installed;

  @Option(names = "--sensors", defaultValue = "16", paramLabel = "N",
      description = "Sensors sampled each second in the footprint runs: the simulated board's, then Modbus probes (default: ${DEFAULT-VALUE}).")
  int sensorCount;

  @Option(names = "--store-mb", defaultValue = "0", paramLabel = "MB",
      description = "The store's capacity in the footprint runs (default: the example config's).")
  int storeMb;

  @Option(names = "--no-archive", description = "Run Mast without a class-data archive (a pole whose archive could not be made).")
  boolean noArchive;

  private final PrintStream out = System.out;
  /** The class-data archive the Mast child runs with (this build's), or null. */
  private Path archive;

  /** A subscriber counting what arrives and decoding telemetry against the retained profile. */
  private static final class Counter {
    final AtomicLong first = new AtomicLong();
    final AtomicLong firstTelemetry = new AtomicLong();
    final AtomicLong lastTelemetry = new AtomicLong();
    final AtomicLong readings = new AtomicLong();
    final AtomicLong frames = new AtomicLong();
    volatile FrameDecoder decoder;
    MqttClient client;

    void start(String uri) throws Exception {
      start(uri, "m/#");
    }

    void start(String uri, String filter) throws Exception {
      client = new MqttClient(uri, "mast-bench-" + System.nanoTime(), new MemoryPersistence());
      MqttConnectOptions o = new MqttConnectOptions();
      o.setCleanSession(true);
      o.setMaxInflight(1000);
      client.connect(o);
      client.subscribe(filter, 1, (topic, message) -> {
        long now = System.nanoTime();
        first.compareAndSet(0, now);
        if (topic.endsWith("/p")) {
          decoder = new FrameDecoder(ChannelProfile.parse(message.getPayload()));
        } else if (topic.endsWith("/t") && decoder != null) {
          try {
            readings.addAndGet(decoder.decode(message.getPayload()).readings().size());
            frames.incrementAndGet();
          } catch (FrameFormatException e) {
            System.err.println("mast bench e2e: undecodable frame: " + e.getMessage());
          }
          firstTelemetry.compareAndSet(0, now);
          lastTelemetry.set(now);
        }
      });
    }

    void stop() throws Exception {
      client.disconnect();
      client.close();
    }
  }

  @Override
  public Integer call() throws Exception {
    if (installed != null) {
      if (!Files.isExecutable(installed.resolve("bin/mast"))) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--installed " + installed + " has no bin/mast: give an installed slot,"
            + " such as /var/lib/mast/slots/a");
      }
      out.println("# installed slot " + installed.toAbsolutePath() + " (" + (Files.isRegularFile(installed.resolve("mast.jsa"))
          ? "with its class-data archive" : "no class-data archive") + ")");
    }
    Path work = Files.createTempDirectory("mast-bench-e2e-");
    if (installed == null) {
      archive = noArchive ? null : ChildJvm.archive().orElse(null);
      if (archive == null && !noArchive) {
        // a pole runs from its slot's class-data archive, made at install (bin/mast-archive): so does Mast here
        long start = System.nanoTime();
        archive = work.resolve(ChildJvm.ARCHIVE);
        long classes = CdsCommand.makeArchive(Files.createDirectories(work.resolve("cds")), CdsCommand.TRAINING_S, archive);
        out.printf(java.util.Locale.ROOT, "# class-data archive of this build made for the run, as a pole makes one at install: %d classes,"
            + " %.1f MB, in %.1f s%n", classes, Files.size(archive) / 1048576.0, (System.nanoTime() - start) / 1e9);
      } else if (archive != null) {
        out.println("# class-data archive: " + archive);
      } else {
        out.println("# no class-data archive (--no-archive)");
      }
    }
    try (EmbeddedBroker broker = EmbeddedBroker.start(0)) {
      footprint(broker, work);
      throughput(broker, work);
    } finally {
      WorkDirs.delete(work);
    }
    return 0;
  }

  private void footprint(EmbeddedBroker broker, Path work) throws Exception {
    Path config = work.resolve("measured.json");
    DeviceConfig measured = sensors(sensorCount);
    if (storeMb > 0) {
      measured = measured.toBuilder().setStore(measured.getStore().toBuilder().setCapacityBytes(storeMb * 1024L * 1024L)).build();
    }
    Files.writeString(config, DeviceConfigs.toJson(measured));
    int runs = Math.max(1, repeat);
    double[] rss = new double[runs];
    double[] start = new double[runs];
    double[] restart = new double[runs];
    double[] floorRss = new double[runs];
    double[] floorStart = new double[runs];
    String log = "";
    for (int r = 0; r < runs; r++) {
      // device ids of their own each run: a subscriber would meet the last run's retained birth first
      String fresh = "bench-fresh-" + r;
      String again = "bench-restart-" + r;
      String bare = "bench-floor-" + r;
      Path store = work.resolve("footprint-" + r);
      long[] peak = new long[1];
      start[r] = firstPublish(broker, work, fresh, seconds, p -> peak[0] = Math.max(peak[0], status(p.pid(), "VmHWM:")),
          () -> child(work.resolve(fresh + ".log"), "run", "--sim", "--config", config.toString(), "--broker", broker.uri(), "--store",
              store.toString(), "--device-id", fresh, "--duration", Integer.toString(seconds)));
      rss[r] = peak[0] / 1024.0;
      log = Files.readString(work.resolve(fresh + ".log"));
      restart[r] = firstPublish(broker, work, again, 2, p -> { }, () -> child(work.resolve(again + ".log"), "run", "--sim",
          "--config", config.toString(), "--broker", broker.uri(), "--store", store.toString(), "--device-id", again, "--duration", "2"));
      long[] floorPeak = new long[1];
      floorStart[r] = firstPublish(broker, work, bare, seconds, p -> floorPeak[0] = Math.max(floorPeak[0], status(p.pid(), "VmHWM:")),
          () -> floor(work.resolve(bare + ".log"), broker.uri(), bare, seconds));
      floorRss[r] = floorPeak[0] / 1024.0;
      out.printf(java.util.Locale.ROOT, "# run %d: rss_mb=%.1f start_to_first_publish_ms=%.0f restart_to_first_publish_ms=%.0f"
          + " floor_rss_mb=%.1f floor_start_to_first_publish_ms=%.0f%n", r + 1, rss[r], start[r], restart[r], floorRss[r], floorStart[r]);
      out.flush();
    }
    out.printf(java.util.Locale.ROOT, "sensors=%d store_mb=%d interval_s=1 seconds=%d xmx=%s runs=%d rss_mb=%.1f start_to_first_publish_ms=%.0f"
        + " restart_to_first_publish_ms=%.0f floor_rss_mb=%.1f floor_start_to_first_publish_ms=%.0f rss_ratio=%.2f start_ratio=%.2f%n",
        sensorCount, measured.getStore().getCapacityBytes() >> 20, seconds, xmx, runs, median(rss), median(start), median(restart),
        median(floorRss), median(floorStart),
        median(rss) / median(floorRss), median(start) / median(floorStart));
    out.println("# " + log.lines().filter(l -> l.startsWith("mast: stopped")).findFirst().orElse(""));
    out.flush();
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    java.util.Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  /**
   * The floor's child: {@link PahoFloor} with the pole's JVM options (not Mast's class-data
   * archive, which is Mast's classes) on a class path of its own class and Paho's jar only.
   */
  private Process floor(Path log, String broker, String id, int duration) throws IOException {
    String paho = null;
    for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      if (Path.of(e).getFileName() != null && Path.of(e).getFileName().toString().startsWith("org.eclipse.paho.client.mqttv3")) {
        paho = e;
      }
    }
    if (paho == null) {
      throw new IOException("Paho's jar is not on this JVM's class path; the floor needs it");
    }
    String own;
    try {
      own = Path.of(PahoFloor.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (java.net.URISyntaxException e) {
      throw new IOException(e);
    }
    List<String> cmd = new ArrayList<>(List.of(ChildJvm.java()));
    cmd.addAll(ChildJvm.runOptions("-Xmx" + xmx));
    cmd.addAll(List.of("-cp", own + java.io.File.pathSeparator + paho, PahoFloor.class.getName(), broker, id, Integer.toString(duration)));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putIfAbsent("MALLOC_ARENA_MAX", "2"); // as the pole's children have it
    return pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /** Starts a child. */
  private interface Start {
    Process start() throws IOException;
  }

  /**
   * Subscribes to device {@code id}'s topics, starts the child ({@code mast run ... --device-id ID} or
   * the floor), calls {@code watch} every 200 ms while it runs; returns the milliseconds from its
   * start to the first message of that device.
   */
  private long firstPublish(EmbeddedBroker broker, Path work, String id, int duration, java.util.function.Consumer<Process> watch, Start child)
      throws Exception {
    Counter counter = new Counter();
    counter.start(broker.uri(), "m/" + id + "/#");
    long start = System.nanoTime();
    Process p = child.start();
    while (!p.waitFor(200, TimeUnit.MILLISECONDS)) {
      watch.accept(p);
    }
    counter.stop();
    if (p.exitValue() != 0 || counter.first.get() == 0) {
      throw new IOException("the run " + id + " failed (exit " + p.exitValue() + "):\n" + Files.readString(work.resolve(id + ".log")));
    }
    return (counter.first.get() - start) / 1_000_000;
  }

  private void throughput(EmbeddedBroker broker, Path work) throws Exception {
    Dataset.Copy water = Dataset.WATER_DAIAD.copyTo(work.resolve("data"));
    Path channels = water.channels();
    Path readings = work.resolve("water-x" + copies + ".csv");
    ChannelProfile profile = ReadingsCsv.readChannels(channels);
    List<Reading> one = ReadingsCsv.readReadings(water.readings(), profile);
    long span = one.get(one.size() - 1).time() - one.get(0).time() + 3600;
    try (PrintStream csv = new PrintStream(Files.newOutputStream(readings), false, StandardCharsets.UTF_8)) {
      ReadingsCsv.writeHeader(csv);
      for (int k = 0; k < copies; k++) {
        for (Reading r : one) {
          ReadingsCsv.write(csv, profile, new Reading(r.channel(), r.time() + k * span, r.mantissa()));
        }
      }
    }
    long total = (long) one.size() * copies;
    Counter counter = new Counter();
    counter.start(broker.uri());
    long start = System.nanoTime();
    Path config = work.resolve("unmetered.json");
    Files.writeString(config, DeviceConfigs.toJson(unmetered(SimulatedBoard.exampleConfig())));
    Process p = child(work.resolve("throughput.log"), "run", "--sim", "--config", config.toString(), "--replay", readings.toString(), "--channels",
        channels.toString(), "--speed", "max", "--broker", broker.uri(), "--store", work.resolve("throughput").toString());
    if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException("the replay run failed:\n" + Files.readString(work.resolve("throughput.log")));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (counter.readings.get() < total && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    counter.stop();
    double sustained = counter.readings.get() / ((counter.lastTelemetry.get() - counter.firstTelemetry.get()) / 1e9);
    double overall = counter.readings.get() / ((counter.lastTelemetry.get() - start) / 1e9);
    out.printf("dataset=water-daiad copies=%d readings=%d received=%d frames=%d readings_per_s=%.0f readings_per_s_with_jvm_start=%.0f%n",
        copies, total, counter.readings.get(), counter.frames.get(), sustained, overall);
    out.flush();
  }

  private Process child(Path log, String... args) throws IOException {
    ProcessBuilder pb;
    if (installed != null) {
      // the slot's start script execs java (the same process): its options file and archive, then -Xmx from MAST_JAVA_OPTS
      List<String> cmd = new ArrayList<>(List.of(installed.resolve("bin/mast").toString()));
      cmd.addAll(List.of(args));
      pb = new ProcessBuilder(cmd);
      pb.environment().put("MAST_CLASSPATH", simulatorClasspath(installed));
      pb.environment().put("MAST_JAVA_OPTS", "-Xmx" + xmx);
    } else {
      List<String> options = new ArrayList<>();
      if (archive != null) {
        options.add("-XX:SharedArchiveFile=" + archive);
      }
      options.addAll(ChildJvm.runOptions("-Xmx" + xmx));
      pb = ChildJvm.mast(options, List.of(args), false);
    }
    return pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /**
   * This JVM's class path entries the installed slot lacks (the simulated board, the devkit and
   * what only they use): a jar of the same name in SLOT/lib, or the pole's own jar, stays the slot's,
   * so each class is on the child's class path once and the slot's copies are the ones measured.
   */
  static String simulatorClasspath(Path slot) throws IOException {
    java.util.Set<String> slotJars = new java.util.HashSet<>();
    try (var jars = Files.list(slot.resolve("lib"))) {
      jars.forEach(j -> slotJars.add(j.getFileName().toString()));
    }
    List<String> kept = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      String name = Path.of(e).getFileName().toString();
      if (!e.isBlank() && !slotJars.contains(name) && !name.startsWith("mast-pole-")) {
        kept.add(e);
      }
    }
    return String.join(java.io.File.pathSeparator, kept);
  }

  /** A kB figure of /proc/PID/status, 0 if it cannot be read. */
  private static long status(long pid, String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith(key)) {
          return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // the process has just ended
    }
    return 0;
  }

  /** The simulated pole's air and water sensors, and Modbus probes up to {@code count}, every one sampled each second. */
  static DeviceConfig sensors(int count) throws IOException {
    DeviceConfig base = SimulatedBoard.exampleConfig();
    List<Sensor> sensors = new ArrayList<>();
    for (Sensor s : base.getSensorsList()) {
      if (s.getDriver() == DriverKind.PMS5003 || s.getDriver() == DriverKind.MHZ19 || s.getDriver() == DriverKind.PULSE_METER
          || s.getDriver() == DriverKind.MODEM) {
        sensors.add(s.toBuilder().setIntervalS(1).build());
      }
    }
    for (int i = 0; sensors.size() < count; i++) {
      sensors.add(Sensor.newBuilder().setId("probe-" + i).setChannel("water.q" + i).setDriver(DriverKind.MODBUS_RTU)
          .setBus("sim:rs485").setAddress(1).setIntervalS(1).setExponent(-1).setUnit("mg/L")
          .setRegister(ModbusRegister.newBuilder().setFunction(4).setRegister(i)).build());
    }
    return unmetered(base.toBuilder().clearSensors().addAllSensors(sensors).clearAlarms().build());
  }

  /** No daily byte budget: the benchmark measures the pipeline, not the tariff. */
  private static DeviceConfig unmetered(DeviceConfig c) {
    return c.toBuilder().setUplink(c.getUplink().toBuilder().setDailyByteBudget(0)).build();
  }
}

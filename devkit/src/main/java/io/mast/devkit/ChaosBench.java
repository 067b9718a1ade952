package io.mast.devkit;

import com.google.protobuf.ByteString;
import io.mast.config.DeviceConfigs;
import io.mast.config.model.DeviceConfig;
import io.mast.config.model.Trust;
import io.mast.config.model.TrustedKey;
import io.mast.datasets.SyntheticPole;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.Ed25519Keys;
import io.mast.protocol.Reading;
import io.mast.protocol.ReadingsCsv;
import io.mast.sim.LinkShaper;
import io.mast.sim.Mosquitto;
import io.mast.sim.SimulatedBoard;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mast bench chaos}: a day in the life of a pole, compressed. A simulated pole laid out as
 * a real one ({@code mast run --sim --slots}: OTA slots, the launcher, a supervisor restarting it
 * as systemd does) is given a day of the synthetic pole's readings (seven channels every 10 s)
 * at {@code 86400 / (--minutes * 60)} times real time, and sends them through the link emulator at
 * NB-IoT rates (10 kbit/s each way, 1 s latency and up to 0.5 s jitter each way) into Debian's
 * Mosquitto, where the platform's persistent session writes a capture. Meanwhile, spread over the
 * day: 50 link outages (0.1-1 % of the day each, 1.4-14 min of the pole's time), 5 broker restarts (SIGTERM, 5-15 s down), 20
 * SIGKILLs of the runtime, three config pushes with {@code mast config push} (the second names a
 * broker that is not there, cutting the link, and the link guard reverts it), and one OTA update
 * with {@code mast ota pack} and {@code mast ota publish} (a new release with one more file).
 * Kills and outages pause while the update runs, so its outcome is the update's, not the
 * schedule's; broker restarts never fall while a platform tool waits for its answer.
 *
 * <p>At the end, once every reading arrived or the wait ran out: each reading delivered once
 * after de-duplication by (device, sequence), in order per channel, none missing that the pole
 * did not report evicted; the bytes on the link within the config's daily budget; and a table of
 * the events, the messages and the bytes on the air per reading, MQTT and TCP/IP included.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true,
    description = {"A compressed day of a simulated pole through an NB-IoT link into Mosquitto, with link outages, broker restarts, "
        + "SIGKILLs, config pushes and an OTA update: every reading delivered once, the byte budget held.",
        "Example: mast bench chaos --minutes 30"})
final class ChaosBench implements Callable<Integer> {
  private static final String POLE = "chaos-pole";
  private static final String KEY_ID = "platform";

  @Option(names = "--minutes", defaultValue = "30", paramLabel = "M", description = "Wall minutes the day is compressed into (default: ${DEFAULT-VALUE}).")
  double minutes;

  @Option(names = "--seed", defaultValue = "29", description = "Seed of the schedule and the readings (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--capture", paramLabel = "FILE", description = "Keep the platform's capture there (default: in the work directory, deleted).")
  Path captureFile;

  @Option(names = "--work", paramLabel = "DIR", description = "Work there and keep it (the pole's log and state, the tools' logs, the broker's), instead of a temporary directory.")
  Path workDir;

  @Option(names = "--outages", defaultValue = "50", description = "Link outages (default: ${DEFAULT-VALUE}).")
  int outages;

  @Option(names = "--kills", defaultValue = "20", description = "SIGKILLs of the runtime (default: ${DEFAULT-VALUE}).")
  int kills;

  @Option(names = "--broker-restarts", defaultValue = "5", description = "Broker restarts (default: ${DEFAULT-VALUE}).")
  int restarts;

  @Option(names = "--tls", description = "The pole talks TLS 1.2 to a TLS listener of Mosquitto (a CA and a broker certificate made with openssl); the bytes on the air include TLS's.")
  boolean tls;

  private final PrintStream out = System.out;
  private final AtomicBoolean quiet = new AtomicBoolean(); // kills and outages wait while the update runs
  private final AtomicInteger outagesDone = new AtomicInteger();
  private final AtomicInteger killsDone = new AtomicInteger();
  private final List<String> outcomes = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    Path work = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("mast-bench-chaos-");
    long wallMs = Math.round(minutes * 60_000);
    double speed = 86_400_000.0 / wallMs;
    Random random = new Random(seed);
    ChannelProfile profile = SyntheticPole.profile();
    long start = System.currentTimeMillis() / 1000 / 10 * 10;
    List<Reading> day = SyntheticPole.readings(start, 86_400, seed);
    Path channels = work.resolve("channels.csv");
    Path readings = work.resolve("day.csv");
    ReadingsCsv.write(channels, readings, profile, day);
    Path key = work.resolve("keys/platform.pem");
    Files.createDirectories(key.getParent());
    Ed25519Keys.writeNew(key, work.resolve("keys/platform.pub.pem"));
    PublicKey pub = Ed25519Keys.readPublicPem(Files.readString(work.resolve("keys/platform.pub.pem")));
    DeviceConfig base = SimulatedBoard.exampleConfig();
    DeviceConfig first = base.toBuilder().setIdentity(base.getIdentity().toBuilder().setDeviceId(POLE))
        .setUplink(base.getUplink().toBuilder().setHealthIntervalS(60).setBatchWindowS(30).setReconnectMaxS(60))
        .setTrust(Trust.newBuilder().addKeys(TrustedKey.newBuilder().setKeyId(KEY_ID)
            .setEd25519Public(ByteString.copyFrom(Ed25519Keys.raw(pub)))))
        .build();
    Path state = work.resolve("state");
    List<String> listener = new ArrayList<>();
    int polePort;
    if (tls) {
      Path pki = work.resolve("pki");
      BrokerPki.make(pki);
      polePort = io.mast.sim.EmbeddedBroker.freePort();
      listener.addAll(List.of("listener " + polePort + " 127.0.0.1", "cafile " + pki.resolve("ca.pem"), "certfile " + pki.resolve("broker.pem"),
          "keyfile " + pki.resolve("broker.key"), "tls_version tlsv1.2"));
      first = first.toBuilder().setUplink(first.getUplink().toBuilder().setTlsCaFile(pki.resolve("ca.pem").toString())).build();
    } else {
      polePort = -1;
    }
    Path config = work.resolve("pole.json");
    Files.writeString(config, DeviceConfigs.toJson(first));
    Mosquitto mosquitto = Mosquitto.start(work.resolve("mosquitto"), listener.toArray(String[]::new));
    Path capture = captureFile != null ? captureFile : work.resolve("capture.txt");
    Process pole = null;
    try (LinkShaper link = LinkShaper.to("127.0.0.1", tls ? polePort : mosquitto.port()).bitsPerSecond(10_000).latency(Duration.ofSeconds(1))
        .jitter(Duration.ofMillis(500)).seed(seed).start(0);
        ChaosPlatform platform = new ChaosPlatform(mosquitto.uri(), POLE, capture)) {
      out.printf(Locale.ROOT, "chaos: a day of %d readings in %.0f min (%.0fx), link 10 kbit/s 2 s round trip%s, capture %s%n", day.size(),
          minutes, speed, tls ? ", TLS 1.2" : "", capture);
      Path log = work.resolve("pole.log");
      pole = ChildJvm.mast(ChildJvm.runOptions(), List.of("run", "--sim", "--slots", "--config", config.toString(), "--replay",
          readings.toString(), "--speed", String.format(Locale.ROOT, "%.3f", speed), "--channels", channels.toString(), "--store",
          state.toString(), "--broker", tls ? link.uri().replace("tcp://", "ssl://") : link.uri(), "--console", "none")).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
      Process supervisor = pole;
      ConfigBench.waitFor(() -> platform.counts().containsKey("s") || !supervisor.isAlive(), 180, "the pole's first status");
      if (!pole.isAlive()) {
        out.println("mast bench chaos: the pole did not start:\n" + Files.readString(log));
        return 1;
      }
      long t0 = System.nanoTime();
      Thread havoc = new Thread(() -> havoc(random, t0, wallMs, link, supervisor), "chaos-havoc");
      havoc.setDaemon(true);
      havoc.start();
      platformSteps(random, t0, wallMs, mosquitto, work, key, first, state);
      havoc.join();
      long dayEnd = System.nanoTime();
      boolean all;
      try {
        ConfigBench.waitFor(() -> platform.delivered() >= day.size() || !supervisor.isAlive(), (int) Math.max(600, wallMs / 2000),
            "every reading delivered");
        all = platform.delivered() >= day.size();
      } catch (IllegalStateException timedOut) {
        all = false;
      }
      double after = (System.nanoTime() - dayEnd) / 1e9;
      String lastHealth = platform.health();
      try {
        ConfigBench.waitFor(() -> !platform.health().equals(lastHealth), 120, "a health report after the day");
      } catch (IllegalStateException none) {
        out.println("mast bench chaos: no health report within 120 s of the end; the eviction count is the last one's");
      }
      ChaosPlatform.Verdict v = platform.check(day);
      boolean held = report(v, link.stats(), platform, first.getUplink().getDailyByteBudget(), after, all);
      out.printf("capture: %s%n", capture);
      return held ? 0 : 1;
    } finally {
      if (pole != null) {
        ChildJvm.stop(pole, 60);
      }
      mosquitto.close();
      if (workDir == null) {
        WorkDirs.delete(work);
      }
    }
  }

  /** Prints the day's table; whether every promise held (each reading once, in order, within the budget). */
  private boolean report(ChaosPlatform.Verdict v, LinkShaper.Stats s, ChaosPlatform platform, long budget, double after, boolean all) {
    out.printf("%n%-18s %8s %8s%n", "event", "planned", "done");
    out.printf("%-18s %8d %8d%n", "link outages", outages, outagesDone.get());
    out.printf("%-18s %8d %8d%n", "broker restarts", restarts, outcomes.stream().filter(o -> o.startsWith("restart")).count());
    out.printf("%-18s %8d %8d%n", "runtime SIGKILLs", kills, killsDone.get());
    out.printf("%-18s %8d %8d%n", "config pushes", 3, outcomes.stream().filter(o -> o.startsWith("push")).count());
    out.printf("%-18s %8d %8d%n", "OTA updates", 1, outcomes.stream().filter(o -> o.startsWith("ota")).count());
    outcomes.forEach(o -> out.println("  " + o));
    out.printf("%n%-6s %-44s %9s %14s %18s%n", "topic", "what", "messages", "payload_bytes", "payload_per_reading");
    Map<String, Long> bytes = platform.bytes();
    platform.counts().forEach((kind, n) -> out.printf(Locale.ROOT, "%-6s %-44s %9d %14d %18.3f%n", kind, ChaosPlatform.TOPICS.getOrDefault(kind, ""), n,
        bytes.getOrDefault(kind, 0L), (double) bytes.getOrDefault(kind, 0L) / v.expected()));
    out.printf("config acks: %s%n", platform.configAcks());
    out.printf("readings: sampled=%d delivered_once=%d missing=%d evicted_reported=%d never_sampled=%d changed=%d delivered_twice=%d"
        + " out_of_order=%d frames=%d duplicate_frames_dropped=%d all_within_s_after_the_day=%s%n", v.expected(), v.delivered(),
        v.missing(), v.evictedReported(), v.extra(), v.changed(), v.repeated(), v.outOfOrder(), v.frames(), v.duplicateFrames(),
        all ? String.format(Locale.ROOT, "%.0f", after) : "no");
    long mqtt = s.bytesUp() + s.bytesDown();
    out.printf(Locale.ROOT, "bytes: tcp_up=%d tcp_down=%d segments=%d connections=%d air=%d mqtt_per_reading=%.2f air_per_reading=%.2f%n",
        s.bytesUp(), s.bytesDown(), s.segmentsUp() + s.segmentsDown(), s.connections(), s.airBytes(), (double) mqtt / v.expected(),
        (double) s.airBytes() / v.expected());
    boolean withinBudget = mqtt <= budget && platform.budgetSpent() <= budget;
    out.printf("budget: daily_byte_budget=%d link_bytes=%d pole_counted_today=%d held=%s (the pole counts its publishes and their"
        + " PUBACKs, and the OTA chunks it takes, across its restarts)%n", budget, mqtt, platform.budgetSpent(), withinBudget ? "yes" : "NO");
    boolean held = v.holds() && v.missing() == 0 && withinBudget;
    out.printf("verdict: %s%n", held ? "every reading once, in order, within the budget" : "FAILED");
    return held;
  }

  /** Outages and kills at random moments of the day, each waiting while the update runs. */
  private void havoc(Random random, long t0, long wallMs, LinkShaper link, Process supervisor) {
    record Blow(long atMs, boolean kill) {}
    List<Blow> blows = new ArrayList<>();
    synchronized (random) {
      for (int i = 0; i < outages; i++) {
        blows.add(new Blow((long) (wallMs * (0.02 + 0.93 * random.nextDouble())), false));
      }
      for (int i = 0; i < kills; i++) {
        blows.add(new Blow((long) (wallMs * (0.03 + 0.92 * random.nextDouble())), true));
      }
    }
    blows.sort((a, b) -> Long.compare(a.atMs(), b.atMs()));
    try {
      for (Blow b : blows) {
        sleepUntil(t0, b.atMs());
        while (quiet.get()) {
          Thread.sleep(500); // the update runs: the blow waits
        }
        if (b.kill()) {
          kill(supervisor);
        } else {
          long lengthMs;
          synchronized (random) {
            lengthMs = (long) (wallMs * (0.001 + 0.009 * random.nextDouble())); // 1.8-18 s of a 30-minute day
          }
          link.outage(Duration.ZERO, Duration.ofMillis(lengthMs));
          outagesDone.incrementAndGet();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** SIGKILL to the runtime under the supervisor (waiting for it if the supervisor is between starts). */
  private void kill(Process supervisor) throws InterruptedException {
    for (int i = 0; i < 60 && supervisor.isAlive(); i++) {
      List<ProcessHandle> children = supervisor.toHandle().children().toList();
      if (!children.isEmpty()) {
        children.forEach(ProcessHandle::destroyForcibly);
        killsDone.incrementAndGet();
        return;
      }
      Thread.sleep(500); // the supervisor restarts it within a second
    }
  }

  /** Broker restarts, config pushes and the update, in order, each at its moment of the day or after the step before. */
  private void platformSteps(Random random, long t0, long wallMs, Mosquitto mosquitto, Path work, Path key, DeviceConfig first,
      Path state) throws Exception {
    record Step(double at, String what) {}
    double[] restartAt = {0.08, 0.27, 0.48, 0.72, 0.9};
    List<Step> steps = new ArrayList<>();
    for (int i = 0; i < Math.min(restarts, restartAt.length); i++) {
      steps.add(new Step(restartAt[i], "restart"));
    }
    steps.addAll(List.of(new Step(0.15, "push-health"), new Step(0.35, "push-cut"), new Step(0.55, "ota"), new Step(0.8, "push-window")));
    steps.sort((a, b) -> Double.compare(a.at(), b.at()));
    DeviceConfig current = first;
    for (Step step : steps) {
      sleepUntil(t0, (long) (wallMs * step.at()));
      String what = step.what();
      long began = System.nanoTime();
      switch (what) {
        case "restart" -> {
          long downMs;
          synchronized (random) {
            downMs = 5_000 + random.nextInt(10_000);
          }
          mosquitto.stop();
          Thread.sleep(downMs); // the broker is down this long
          mosquitto.restart();
          outcomes.add(String.format(Locale.ROOT, "restart of the broker, down %.1f s", downMs / 1e3));
        }
        case "push-health" -> {
          current = next(current, b -> b.setUplink(b.getUplink().toBuilder().setHealthIntervalS(120)));
          outcomes.add(push(work, key, current, mosquitto, "health every 120 s", 0));
        }
        case "push-cut" -> {
          int nowhere = io.mast.sim.EmbeddedBroker.freePort();
          DeviceConfig cut = next(current, b -> b.setUplink(b.getUplink().toBuilder().clearBrokerUris()
              .addBrokerUris("tcp://127.0.0.1:" + nowhere)));
          outcomes.add(push(work, key, cut, mosquitto, "a broker that is not there", 30));
          current = current.toBuilder().setVersion(cut.getVersion()).build(); // the next push must be newer than the reverted one
        }
        case "ota" -> {
          quiet.set(true);
          try {
            outcomes.add(update(work, key, mosquitto, state));
          } finally {
            quiet.set(false);
          }
        }
        case "push-window" -> {
          current = next(current, b -> b.setUplink(b.getUplink().toBuilder().setBatchWindowS(20)));
          outcomes.add(push(work, key, current, mosquitto, "a batch every 20 s", 0));
        }
        default -> throw new IllegalStateException(what);
      }
      out.printf(Locale.ROOT, "chaos: %s at %.0f%% of the day took %.0f s%n", what, 100 * step.at(), (System.nanoTime() - began) / 1e9);
    }
    sleepUntil(t0, wallMs);
  }

  private interface Change {
    void apply(DeviceConfig.Builder b);
  }

  private static DeviceConfig next(DeviceConfig c, Change change) {
    DeviceConfig.Builder b = c.toBuilder().setVersion(c.getVersion() + 1);
    change.apply(b);
    return b.build();
  }

  /** {@code mast config push} with a grace of {@code graceS} (0: the pole's default), its outcome as a line. */
  private String push(Path work, Path key, DeviceConfig config, Mosquitto mosquitto, String what, int graceS) throws Exception {
    Path file = work.resolve("push-" + config.getVersion() + ".json");
    Files.writeString(file, DeviceConfigs.toJson(config));
    List<String> args = new ArrayList<>(List.of("config", "push", "--broker", mosquitto.uri(), "--device", POLE, "--key", key.toString(),
        "--key-id", KEY_ID, "--timeout", "900", file.toString()));
    if (graceS > 0) {
      args.addAll(2, List.of("--grace", Integer.toString(graceS)));
    }
    Tool t = tool(work, "push-" + config.getVersion(), args.toArray(String[]::new));
    String outcome = switch (t.status()) {
      case 0 -> "applied";
      case 1 -> "rejected";
      case 3 -> "reverted";
      default -> "no answer (" + t.status() + ")";
    };
    return String.format(Locale.ROOT, "push of version %d (%s): %s in %.0f s", config.getVersion(), what, outcome, t.seconds());
  }

  /** A new release (slot a and one more file) packed and published with the platform's tools; its outcome as a line. */
  private String update(Path work, Path key, Mosquitto mosquitto, Path state) throws Exception {
    Path v2 = work.resolve("v2");
    OtaBench.copy(state.resolve("slots/a"), v2);
    byte[] notes = new byte[8_192];
    new Random(seed).nextBytes(notes);
    Files.write(v2.resolve("release-notes.bin"), notes);
    Path bundle = work.resolve("v2.bundle");
    Tool pack = tool(work, "pack", "ota", "pack", "--version", "2.0.0", "--counter", "2", "--target", "sim", "--key", key.toString(),
        "--key-id", KEY_ID, "--out", bundle.toString(), v2.toString());
    if (pack.status() != 0) {
      return "ota: the bundle was not packed: " + Files.readString(work.resolve("pack.log"));
    }
    Tool publish = tool(work, "publish", "ota", "publish", "--broker", mosquitto.uri(), "--device", POLE, "--timeout", "1800",
        bundle.toString());
    String outcome = switch (publish.status()) {
      case 0 -> "committed";
      case 1 -> "refused";
      case 3 -> "rolled back";
      default -> "no outcome (" + publish.status() + ")";
    };
    return String.format(Locale.ROOT, "ota of 2.0.0 (%d KB bundle): %s in %.0f s", Files.size(bundle) / 1024, outcome, publish.seconds());
  }

  private record Tool(int status, double seconds) {}

  /** A platform tool as a child ({@code mast ARGS}), its output in {@code NAME.log}. */
  private static Tool tool(Path work, String name, String... args) throws Exception {
    long began = System.nanoTime();
    Process p = ChildJvm.mast(List.of("-Xmx128m"), List.of(args)).redirectErrorStream(true)
        .redirectOutput(work.resolve(name + ".log").toFile()).start();
    if (!p.waitFor(2, TimeUnit.HOURS)) {
      ChildJvm.kill(p); // exitValue() needs the process gone
    }
    return new Tool(p.exitValue(), (System.nanoTime() - began) / 1e9);
  }

  private static void sleepUntil(long t0, long atMs) throws InterruptedException {
    long left = t0 + TimeUnit.MILLISECONDS.toNanos(atMs) - System.nanoTime();
    if (left > 0) {
      TimeUnit.NANOSECONDS.sleep(left); // the schedule's moment
    }
  }
}

package io.mast.devkit;

import io.mast.protocol.Ed25519Keys;
import io.mast.runtime.EdgeRuntime;
import io.mast.sim.LinkShaper;
import io.mast.sim.Mosquitto;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mast fleet}: N simulated poles in this JVM against a real broker (see {@link FleetPoles}
 * for what a pole runs), a live summary, what one pole costs, and a check that every reading a
 * pole had acknowledged reached the platform's subscriber ({@link FleetWatch}) once. With
 * {@code --storm S} the fleet's own Mosquitto is stopped for S seconds mid-run and started again:
 * the reconnect storm's peak connects per second (from the broker's log) and the time until every
 * pole is connected again.
 */
@Command(name = "fleet", mixinStandardHelpOptions = true,
    description = {"Run N simulated poles in one JVM against a broker: live summary, per-pole cost, delivery check, reconnect storm.",
        "Example: mast fleet --poles 1000 --duration 120 --storm 60"})
final class FleetCommand implements Callable<Integer> {
  /** Poles started at once (a start opens a store and the agents' files: mostly waiting on the disk). */
  private static final int STARTERS = 4;
  private static final Pattern CONNECT = Pattern.compile("^(\\d+): New client connected from .* as (fleet-\\d+) ");

  @Option(names = "--poles", required = true, paramLabel = "N", description = "How many poles.")
  int poles;

  @Option(names = "--broker", paramLabel = "URI", description = "The broker (tcp://HOST:PORT); default: a Mosquitto of the fleet's own on a free port.")
  String broker;

  @Option(names = "--sensors", defaultValue = "4", paramLabel = "K", description = "Sensors per pole (Modbus registers; default: ${DEFAULT-VALUE}).")
  int sensors;

  @Option(names = "--rate", defaultValue = "0.1", paramLabel = "HZ", description = "Samples per second of each sensor, 1/S for a whole S (default: ${DEFAULT-VALUE}: every 10 s).")
  double rate;

  @Option(names = "--batch", defaultValue = "60", paramLabel = "S", description = "The poles' batch window: a frame each S seconds (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--link", defaultValue = "none", paramLabel = "KIND", description = "none (the default), or nbiot: every pole through the link emulator (10 kbit/s, 1 s latency each way).")
  String link;

  @Option(names = "--duration", defaultValue = "120", paramLabel = "S", description = "How long the poles run once all are started (default: ${DEFAULT-VALUE}).")
  int duration;

  @Option(names = "--ramp", defaultValue = "200", paramLabel = "PER_S", description = "Poles started per second (default: ${DEFAULT-VALUE}).")
  int ramp;

  @Option(names = "--storm", defaultValue = "0", paramLabel = "S", description = "Stop the fleet's own broker for S seconds a third of the way through, then start it again (default: ${DEFAULT-VALUE}, no storm).")
  int storm;

  @Option(names = "--group", defaultValue = "fleet", paramLabel = "G", description = "The group every pole is in (m/@G/c, m/@G/o; default: ${DEFAULT-VALUE}).")
  String group;

  @Option(names = "--trust", paramLabel = "ID.pub.pem", description = "A platform key the poles trust (for group pushes and updates).")
  Path trust;

  @Option(names = "--config-out", paramLabel = "FILE", description = "Write the poles' config (JSON, no identity) here: edit it, raise"
      + " its version and push it to the group with mast config push --group.")
  Path configOut;

  @Option(names = "--slots", description = "Give each pole A/B slots and the real launcher, so a group update (mast ota publish"
      + " --group) installs, is tried, and commits or rolls back; a release for them is written to STATE/release.")
  boolean slots;

  @Option(names = "--trial-crash", defaultValue = "0", paramLabel = "N", description = "With --slots: the first N poles' trial starts"
      + " fail at once (an update that does not start on some boards), so the launcher rolls them back (default: ${DEFAULT-VALUE}).")
  int trialCrash;

  @Option(names = "--state", paramLabel = "DIR", description = "Where the poles' state goes (kept); default: a temporary directory, deleted at the end.")
  Path state;

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    if (rate <= 0 || rate > 1 || Math.abs(1 / rate - Math.round(1 / rate)) > 1e-6) {
      System.err.println("fleet: --rate must be 1/S for a whole number of seconds S (1, 0.5, 0.1...), not " + rate);
      return 2;
    }
    if (trialCrash > 0 && !slots) {
      System.err.println("fleet: --trial-crash needs --slots");
      return 2;
    }
    if (storm > 0 && broker != null) {
      System.err.println("fleet: --storm stops the fleet's own broker; leave out --broker");
      return 2;
    }
    boolean shaped = link.equals("nbiot");
    if (!shaped && !link.equals("none")) {
      System.err.println("fleet: --link is none or nbiot, not " + link);
      return 2;
    }
    List<String> short_ = FleetCosts.shortfalls(poles, shaped ? 3 : 1); // a socket (two more through the link emulator); files are pooled
    if (!short_.isEmpty()) {
      short_.forEach(s -> System.err.println("fleet: " + s));
      return 1;
    }
    Path work = state != null ? Files.createDirectories(state) : Files.createTempDirectory("mast-fleet");
    Path poleRoot = Files.createDirectories(work.resolve("poles"));
    Mosquitto own = null;
    LinkShaper shaper = null;
    try {
      if (broker == null) {
        own = Mosquitto.start(work.resolve("broker"), "max_connections -1", "max_keepalive 600");
        broker = own.uri();
        out.println("fleet: Mosquitto on " + broker + " (log " + own.log() + ")");
      }
      URI b = URI.create(broker);
      if (shaped) {
        shaper = LinkShaper.to(b.getHost(), b.getPort()).bitsPerSecond(10_000).latency(Duration.ofSeconds(1)).start(0);
      }
      String poleBroker = shaper != null ? shaper.uri() : broker;
      return run(out, work, poleRoot, own, poleBroker);
    } finally {
      if (shaper != null) {
        shaper.close();
      }
      if (own != null) {
        own.stop();
      }
      if (state == null) {
        WorkDirs.delete(work);
      }
    }
  }

  private int run(PrintStream out, Path work, Path poleRoot, Mosquitto own, String poleBroker) throws Exception {
    int interval = (int) Math.round(1 / rate);
    FleetCosts before = FleetCosts.now(poleRoot);
    Ed25519Keys.NamedPublicKey key = trust == null ? null : Ed25519Keys.readNamedPublic(trust);
    try (FleetWatch watch = new FleetWatch(broker, "fleet-platform", "m/");
        FleetPoles fleet = new FleetPoles(new FleetPoles.Setup(sensors, interval, batch, poleBroker, group, key, slots, trialCrash),
            poleRoot)) {
      if (slots) {
        Path release = work.resolve("release");
        FleetSlots.writeRelease(release);
        out.println("fleet: the poles have A/B slots; a release for them is in " + release + " (its bin/mast tells a pole which slot"
            + " the launcher chose): add the update's files, pack it with mast ota pack --target " + fleet.config().getBoard()
            + ", offer it with mast ota publish --group " + group);
      }
      if (configOut != null) {
        Files.writeString(configOut, io.mast.config.DeviceConfigs.toJson(fleet.config().toBuilder().clearIdentity().build()));
        out.println("fleet: the poles' config is in " + configOut + " (push it to the group: mast config push --group " + group + ")");
      }
      Summary summary = new Summary(out, fleet, watch);
      long t0 = System.nanoTime();
      java.util.concurrent.ExecutorService starters = java.util.concurrent.Executors.newFixedThreadPool(STARTERS);
      java.util.concurrent.ConcurrentLinkedQueue<String> failed = new java.util.concurrent.ConcurrentLinkedQueue<>();
      for (int i = 1; i <= poles; i++) {
        long due = t0 + (long) ((i - 1) * 1e9 / ramp);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000)); // a benchmark's pacing: poles start at --ramp a second
        }
        int n = i;
        starters.execute(() -> {
          try {
            fleet.start(n);
          } catch (java.io.IOException | RuntimeException e) {
            failed.add(FleetPoles.id(n) + ": " + e);
          }
        });
        summary.maybe();
      }
      starters.shutdown();
      while (!starters.awaitTermination(1, java.util.concurrent.TimeUnit.SECONDS)) {
        summary.maybe();
      }
      if (!failed.isEmpty()) {
        failed.stream().limit(10).forEach(f -> System.err.println("fleet: a pole did not start: " + f));
        System.err.printf("fleet: %d of %d poles did not start%n", failed.size(), poles);
        return 1;
      }
      double startS = (System.nanoTime() - t0) / 1e9;
      out.printf(Locale.ROOT, "%nfleet: %d poles started in %.1f s%n", poles, startS);
      FleetCosts running = null;
      Storm result = null;
      long end = System.nanoTime() + Duration.ofSeconds(duration).toNanos();
      long stormAt = storm > 0 ? System.nanoTime() + Duration.ofSeconds(duration).toNanos() / 3 : Long.MAX_VALUE;
      while (System.nanoTime() < end || (result != null && result.reconnectS < 0)) {
        if (running == null && fleet.connected() == poles) {
          running = FleetCosts.now(poleRoot); // every pole up: what they hold
        }
        if (System.nanoTime() >= stormAt && result == null) {
          result = new Storm(own, storm, out);
          result.begin();
        }
        if (result != null && result.reconnectS < 0 && fleet.connected() == poles) {
          result.allBack();
        }
        summary.maybe();
        Thread.sleep(100); // the summary's and the storm's pace
      }
      if (running == null) {
        running = FleetCosts.now(poleRoot);
      }
      summary.line(true);
      out.println();
      int connectedAtEnd = fleet.connected();
      out.println("fleet: stopping the poles (each sends what it holds)");
      fleet.stop(64);
      FleetPoles.Totals t = fleet.totals();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      long missing;
      while ((missing = missing(fleet, watch)) > 0 && System.nanoTime() < deadline) {
        Thread.sleep(200); // the platform's subscriber still taking queued frames
      }
      var c = watch.ledger().counts();
      out.printf(Locale.ROOT, "fleet: costs with %d poles connected: heap %.1f MB, %d threads, %d descriptors, %.1f MB of state"
          + " (before them: %.1f MB, %d, %d)%n", poles, running.heapBytes() / 1e6, running.threads(), running.fds(),
          running.diskBytes() / 1e6, before.heapBytes() / 1e6, before.threads(), before.fds());
      TreeMap<Long, Integer> connects = result == null ? null : result.perSecond();
      if (result != null) {
        out.println(result.report(connects));
      }
      out.printf(Locale.ROOT, "poles=%d sensors=%d interval_s=%d batch_s=%d link=%s connected=%d frames=%d acked=%d readings_sampled=%d"
          + " readings_acked=%d delivered=%d duplicates=%d missing=%d left_in_store=%d start_s=%.1f %s%s%s%n", poles, sensors, interval,
          batch, link, connectedAtEnd, t.framesSent(), t.framesAcked(), t.stored(), t.readingsAcked(), c.readings(), c.duplicates(),
          missing, t.backlog(), startS, running.perPole(before, poles), result == null ? "" : " " + result.keyValues(connects),
          slots ? " restarts=" + fleet.restarted() + " crashed_trial_starts=" + fleet.crashedStarts() : "");
      return missing == 0 && (result == null || result.reconnectS >= 0) ? 0 : 1;
    }
  }

  /** Readings a pole had acknowledged that the platform has not seen (per pole, never below 0). */
  private static long missing(FleetPoles fleet, FleetWatch watch) {
    long missing = 0;
    for (EdgeRuntime p : fleet.poles()) {
      missing += Math.max(0, fleet.readingsAcked(p) - watch.ledger().readings(p.deviceId()));
    }
    return missing;
  }

  /** The live summary: one line redrawn each second on a terminal, else a line every 10 s. */
  private static final class Summary {
    private final PrintStream out;
    private final FleetPoles fleet;
    private final FleetWatch watch;
    private final boolean terminal = System.console() != null;
    private long lastAt = System.nanoTime();
    private long lastFrames;

    Summary(PrintStream out, FleetPoles fleet, FleetWatch watch) {
      this.out = out;
      this.fleet = fleet;
      this.watch = watch;
    }

    void maybe() {
      if (System.nanoTime() - lastAt >= (terminal ? 1_000_000_000L : 10_000_000_000L)) {
        line(false);
      }
    }

    void line(boolean last) {
      long now = System.nanoTime();
      FleetPoles.Totals t = fleet.totals();
      double fps = (t.framesAcked() - lastFrames) / ((now - lastAt) / 1e9);
      lastAt = now;
      lastFrames = t.framesAcked();
      var threads = java.lang.management.ManagementFactory.getThreadMXBean();
      String s = String.format(Locale.ROOT, "%s  poles %d, connected %d, %.1f frames/s, acked %d frames (%d readings), backlog %d,"
          + " platform has %d readings; threads %d (%d started so far)", LocalTime.now().truncatedTo(ChronoUnit.SECONDS), t.poles(),
          t.connected(), fps, t.framesAcked(), t.readingsAcked(), t.backlog(), watch.ledger().counts().readings(),
          threads.getThreadCount(), threads.getTotalStartedThreadCount());
      if (terminal && !last) {
        out.print("\r\033[K" + s);
        out.flush();
      } else {
        out.println(s);
      }
    }
  }

  /** The reconnect storm: the broker down for a while, then up; measured from its log and the poles. */
  private final class Storm {
    private final Mosquitto broker;
    private final int downS;
    private final PrintStream out;
    private long upAtNanos;
    private long upAtEpochS;
    double reconnectS = -1;

    Storm(Mosquitto broker, int downS, PrintStream out) {
      this.broker = broker;
      this.downS = downS;
      this.out = out;
    }

    void begin() throws Exception {
      out.printf("%nfleet: storm: stopping the broker for %d s%n", downS);
      broker.stop();
      Thread.sleep(downS * 1000L); // the outage itself
      upAtEpochS = System.currentTimeMillis() / 1000;
      upAtNanos = System.nanoTime();
      broker.restart();
      out.println("fleet: storm: broker started again");
    }

    void allBack() {
      reconnectS = (System.nanoTime() - upAtNanos) / 1e9;
      out.printf(Locale.ROOT, "%nfleet: storm: every pole connected again %.1f s after the broker came back%n", reconnectS);
    }

    /** Connects per second the broker logged from its restart on. */
    TreeMap<Long, Integer> perSecond() throws java.io.IOException {
      TreeMap<Long, Integer> perSecond = new TreeMap<>();
      for (String line : Files.readAllLines(broker.log())) {
        Matcher m = CONNECT.matcher(line);
        if (m.find() && Long.parseLong(m.group(1)) >= upAtEpochS) {
          perSecond.merge(Long.parseLong(m.group(1)), 1, Integer::sum);
        }
      }
      return perSecond;
    }

    String report(TreeMap<Long, Integer> s) {
      StringBuilder b = new StringBuilder("fleet: storm: connects per second after the restart:");
      s.forEach((t, n) -> b.append(' ').append(n));
      return b.toString();
    }

    String keyValues(TreeMap<Long, Integer> s) {
      int peak = s.values().stream().mapToInt(Integer::intValue).max().orElse(0);
      int total = s.values().stream().mapToInt(Integer::intValue).sum();
      return String.format(Locale.ROOT, "storm_down_s=%d storm_connects=%d storm_peak_connects_per_s=%d storm_reconnect_s=%.1f", downS,
          total, peak, reconnectS);
    }
  }
}

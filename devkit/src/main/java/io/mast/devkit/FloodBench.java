package io.mast.devkit;

import com.google.protobuf.ByteString;
import io.mast.config.DeviceConfigs;
import io.mast.config.model.DeviceConfig;
import io.mast.config.model.Trust;
import io.mast.config.model.TrustedKey;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.ControlLimits;
import io.mast.protocol.Ed25519Keys;
import io.mast.protocol.FrameDecoder;
import io.mast.protocol.MessageText;
import io.mast.protocol.SignedControl;
import io.mast.protocol.Topics;
import io.mast.sim.Mosquitto;
import io.mast.sim.SimulatedBoard;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mast bench flood}: what a flood on the control topics costs a pole. A {@code mast run
 * --sim} (the pole's JVM options, in a group) runs as a child on Debian's Mosquitto with no ACL
 * and no size limit, the worst case a city can leave open (the queue per client is
 * docs/broker.md's 1,000 messages). First a quiet spell, then a flood of
 * the same length: a hostile client per topic with no trusted key publishes, as fast as the broker
 * takes them (QoS 0), garbage and forged envelopes (the trusted key id with another key, unknown
 * key ids, cut short) on the pole's {@code c}, {@code x}, {@code o} and its group's {@code c} and
 * {@code o}, every 500th over the inbound cap and every 2,000th retained. For each spell it prints
 * the readings the platform got (decoded, each frame once), the pole's CPU, its peak resident
 * set, its heap as health reports it, and the log lines it wrote; then the flood's messages sent,
 * and what health says was received, refused, dropped before verification and emptied.
 */
@Command(name = "flood", mixinStandardHelpOptions = true,
    description = {"Flood a simulated pole's control topics on Mosquitto with forgeries: readings delivered against a quiet spell, "
        + "messages refused, peak heap and RSS, CPU, log lines.", "Example: mast bench flood --minutes 10"})
final class FloodBench implements Callable<Integer> {
  private static final String POLE = "flood-pole";
  private static final Pattern HEAP = Pattern.compile("heap_used_bytes: (\\d+)");
  private static final Pattern SAMPLES = Pattern.compile("channels \\{ (?:channel: \\d+ )?samples: (\\d+)");
  private static final Pattern UNSENT = Pattern.compile("store_unsent_records: (\\d+)");
  private static final Pattern CONTROL = Pattern.compile(
      "control \\{ topic: \"(\\w+)\"(?: received: (\\d+))?(?: refused: (\\d+))?(?: dropped: (\\d+))?(?: oversized: (\\d+))?");

  @Option(names = "--minutes", defaultValue = "10", paramLabel = "M", description = "Length of the quiet spell and of the flood (default: ${DEFAULT-VALUE}).")
  double minutes;

  private final PrintStream out = System.out;
  private volatile String brokerUri;

  /** What the platform sees of the pole. */
  private final class Platform {
    final Map<Integer, FrameDecoder> decoders = new TreeMap<>();
    final Set<Long> frames = new HashSet<>();
    final AtomicLong readings = new AtomicLong();
    volatile String lastHealth = "";
    volatile long healthAt;
    volatile long configVersion = -1;
    volatile long peakHeap;

    synchronized void message(String topic, byte[] payload) {
      try {
        if (topic.endsWith("/p")) {
          ChannelProfile p = ChannelProfile.parse(payload);
          decoders.put(p.id(), new FrameDecoder(p));
        } else if (topic.endsWith("/t")) {
          for (FrameDecoder d : decoders.values()) {
            try {
              var f = d.decode(payload);
              if (frames.add(f.seq())) {
                readings.addAndGet(f.readings().size());
              }
              return;
            } catch (io.mast.protocol.FrameFormatException another) {
              // another profile's frame
            }
          }
        } else if (topic.endsWith("/s")) {
          configVersion = io.mast.protocol.StatusMessage.parse(payload).configVersion();
        } else if (topic.endsWith("/h")) {
          lastHealth = MessageText.of(Topics.Kind.HEALTH, payload);
          healthAt = System.nanoTime();
          Matcher m = HEAP.matcher(lastHealth);
          if (m.find()) {
            peakHeap = Math.max(peakHeap, Long.parseLong(m.group(1)));
          }
        }
      } catch (io.mast.protocol.FrameFormatException e) {
        out.println("mast bench flood: a message on " + topic + " does not decode: " + e.getMessage());
      }
    }
  }

  private record Spell(String name, long sampled, long readings, double cpuSeconds, long logLines, long peakHeap) {}

  /** Readings the pole has taken, as its latest health report says (every 10 s). */
  private static long sampled(String health) {
    long sum = 0;
    Matcher m = SAMPLES.matcher(health);
    while (m.find()) {
      sum += Long.parseLong(m.group(1));
    }
    return sum;
  }

  @Override
  public Integer call() throws Exception {
    Path work = Files.createTempDirectory("mast-bench-flood-");
    KeyPair key = Ed25519Keys.generate();
    DeviceConfig base = SimulatedBoard.exampleConfig();
    DeviceConfig c = base.toBuilder().setIdentity(base.getIdentity().toBuilder().setDeviceId(POLE).addGroups("north"))
        .setUplink(base.getUplink().toBuilder().setHealthIntervalS(10))
        .setTrust(Trust.newBuilder().addKeys(TrustedKey.newBuilder().setKeyId("platform")
            .setEd25519Public(ByteString.copyFrom(Ed25519Keys.raw(key.getPublic())))))
        .build();
    Path config = work.resolve("pole.json");
    Files.writeString(config, DeviceConfigs.toJson(c));
    Path log = work.resolve("pole.log");
    // the queue a city broker keeps per pole (docs/broker.md); no ACL, no size limit: the worst case they leave
    Mosquitto mosquitto = Mosquitto.start(work.resolve("mosquitto"), "max_queued_messages 1000");
    brokerUri = mosquitto.uri();
    Process pole = ChildJvm.mast(ChildJvm.runOptions(), List.of("run", "--sim", "--config", config.toString(), "--broker", mosquitto.uri(),
        "--store", work.resolve("state").toString(), "--console", "none")).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    MqttClient platformClient = null;
    try {
      ConfigBench.waitFor(() -> Files.readString(log).contains("uplink: connected") || !pole.isAlive(), 120, "the pole to connect");
      if (!pole.isAlive()) {
        out.println("mast bench flood: the pole did not start:\n" + Files.readString(log));
        return 1;
      }
      Platform platform = new Platform();
      platformClient = new MqttClient(mosquitto.uri(), "bench-platform", new MemoryPersistence());
      platformClient.connect();
      platformClient.subscribe("m/" + POLE + "/#", 1, (t, m) -> platform.message(t, m.getPayload()));
      ConfigBench.waitFor(() -> platform.readings.get() > 0, 120, "the first frame");

      long millis = Math.round(minutes * 60_000);
      Spell quiet = spell("quiet", pole, log, platform, millis, null);
      long[] sent = new long[5];
      Spell flood = spell("flood", pole, log, platform, millis, sent);
      if (!pole.isAlive()) {
        out.println("mast bench flood: the pole died during the flood:\n" + Files.readString(log));
        return 1;
      }
      ConfigBench.waitFor(() -> !platform.lastHealth.isEmpty(), 30, "a health report");
      long floodEnd = System.nanoTime();
      ConfigBench.waitFor(() -> {
        Matcher u = UNSENT.matcher(platform.lastHealth);
        return platform.healthAt > floodEnd && !(u.find() && Long.parseLong(u.group(1)) > 0);
      }, 600, "the backlog of the flood delivered");
      double drained = (platform.healthAt - floodEnd) / 1e9;
      out.printf("%-6s %10s %10s %10s %10s %12s %14s%n", "spell", "sampled", "delivered", "cpu_s", "log_lines", "heap_peak_kb", "rss_peak_kb");
      long rss = peakRssKb(pole);
      for (Spell s : List.of(quiet, flood)) {
        out.printf("%-6s %10d %10d %10.1f %10d %12d %14s%n", s.name(), s.sampled(), s.readings(), s.cpuSeconds(), s.logLines(),
            s.peakHeap() / 1024, s == flood ? Long.toString(rss) : "");
      }
      out.printf("backlog_delivered_s_after_flood=%.0f (nothing unsent in the pole's store)%n", drained);
      String[] topics = {"c", "x", "o", "@north/c", "@north/o"};
      long total = 0;
      StringBuilder perTopic = new StringBuilder();
      for (int i = 0; i < topics.length; i++) {
        total += sent[i];
        perTopic.append(' ').append(topics[i].replace('/', '_').replace("@", "")).append("_sent=").append(sent[i]);
      }
      out.println("flood_sent=" + total + perTopic + " minutes=" + minutes);
      Matcher m = CONTROL.matcher(platform.lastHealth);
      while (m.find()) {
        out.println("health topic=" + m.group(1) + " received=" + n(m.group(2)) + " refused=" + n(m.group(3)) + " dropped=" + n(m.group(4))
            + " oversized=" + n(m.group(5)));
      }
      out.printf("readings_during_flood_vs_quiet=%.3f max_heap_mb=%s applied=%s%n", (double) flood.readings() / Math.max(1, quiet.readings()),
          ChildJvm.runOptions().stream().filter(o -> o.startsWith("-Xmx")).findFirst().orElse("default"),
          platform.configVersion == c.getVersion() ? "nothing" : "version " + platform.configVersion + " in force: CHECK");
      return 0;
    } finally {
      if (platformClient != null && platformClient.isConnected()) {
        platformClient.disconnect();
      }
      ChildJvm.stop(pole, 30);
      mosquitto.close();
      WorkDirs.delete(work);
    }
  }

  private static long n(String group) {
    return group == null ? 0 : Long.parseLong(group);
  }

  /** One spell of {@code millis}: quiet when {@code sent} is null, else a flood whose counts go into {@code sent}. */
  private Spell spell(String name, Process pole, Path log, Platform platform, long millis, long[] sent) throws Exception {
    long readings = platform.readings.get();
    long sampled = sampled(platform.lastHealth);
    long cpu = cpuTicks(pole);
    long lines = Files.readAllLines(log).size();
    platform.peakHeap = 0;
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> hostiles = new ArrayList<>();
    if (sent != null) {
      String[] topics = {"m/" + POLE + "/c", "m/" + POLE + "/x", "m/" + POLE + "/o", "m/@north/c", "m/@north/o"};
      for (int i = 0; i < topics.length; i++) {
        int index = i;
        String topic = topics[i];
        Thread t = new Thread(() -> hostile(topic, stop, sent, index), "hostile-" + i);
        t.setDaemon(true);
        t.start();
        hostiles.add(t);
      }
    }
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (System.nanoTime() < end && pole.isAlive()) {
      Thread.sleep(500); // a benchmark's pacing, not a test's wait
    }
    stop.set(true);
    for (Thread t : hostiles) {
      t.join(30_000);
    }
    long ticks = cpuTicks(pole) - cpu;
    long delivered = platform.readings.get() - readings;
    long logLines = Files.readAllLines(log).size() - lines;
    // readings taken: the first health report after the spell against the last one before it (every 10 s), the same
    // for both spells
    long ended = System.nanoTime();
    ConfigBench.waitFor(() -> platform.healthAt > ended, 60, "a health report after the " + name + " spell");
    return new Spell(name, sampled(platform.lastHealth) - sampled, delivered, ticks / 100.0, logLines, platform.peakHeap);
  }

  /** One hostile client: forgeries on {@code topic} as fast as the broker takes them. */
  private void hostile(String topic, AtomicBoolean stop, long[] sent, int index) {
    Random random = new Random(index);
    PrivateKey stranger = Ed25519Keys.generate().getPrivate();
    SignedControl.Type type = topic.endsWith("/c") ? SignedControl.Type.CONFIG_SET
        : topic.endsWith("/x") ? SignedControl.Type.CONSOLE_COMMAND : SignedControl.Type.OTA_MANIFEST;
    byte[] huge = new byte[ControlLimits.MAX_CONTROL_MESSAGE_BYTES + 50_000];
    try {
      MqttClient client = new MqttClient(brokerUri, "hostile-" + index, new MemoryPersistence());
      MqttConnectOptions o = new MqttConnectOptions();
      o.setMaxInflight(65_535);
      client.connect(o);
      // a small pool of forgeries, made once: signing each would slow the flood to the signer's pace
      List<byte[]> pool = new ArrayList<>();
      long now = Instant.now().getEpochSecond();
      for (int i = 0; i < 64; i++) {
        byte[] payload = new byte[1 + random.nextInt(300)];
        random.nextBytes(payload);
        byte[] forged = SignedControl.sign(type, POLE, now - 5, now + 3600, payload, i % 2 == 0 ? "platform" : "mallory-" + i, stranger);
        pool.add(switch (i % 4) {
          case 0 -> payload;
          case 3 -> java.util.Arrays.copyOf(forged, forged.length / 2);
          default -> forged;
        });
      }
      long n = 0;
      while (!stop.get()) {
        n++;
        if (n % 500 == 0) {
          client.publish(topic, huge, 0, false);
        } else {
          client.publish(topic, pool.get((int) (n % pool.size())), 0, n % 2_000 == 0);
        }
        synchronized (sent) {
          sent[index]++;
        }
      }
      client.publish(topic, new byte[0], 1, true); // clears the retained forgery
      client.disconnect();
    } catch (Exception e) {
      out.println("mast bench flood: hostile client on " + topic + " stopped: " + e);
    }
  }

  /** The pole's user and system CPU time so far, in clock ticks (1/100 s on Linux). */
  private static long cpuTicks(Process p) throws Exception {
    String[] f = Files.readString(Path.of("/proc/" + p.pid() + "/stat"), StandardCharsets.US_ASCII).replaceFirst("^.*\\) ", "").split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /** The pole's peak resident set (VmHWM), in KiB. */
  private static long peakRssKb(Process p) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }
}

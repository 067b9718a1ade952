package io.mast.devkit;

import io.mast.datasets.SyntheticPole;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.FrameDecoder;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.Reading;
import io.mast.protocol.ReadingsCsv;
import io.mast.sim.EmbeddedBroker;
import io.mast.sim.LinkShaper;
import io.mast.sim.Mosquitto;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mast bench drain}: a pole's backlog sent through an NB-IoT link, against the same
 * readings as Sparkplug B payloads over the same link and broker, in one run.
 *
 * <p>The backlog is {@code --hours} of the synthetic pole (seven channels every 10 s). A
 * {@code mast run --sim} replays them into its store with no broker to reach, and stops. Then,
 * through the link emulator ({@code --kbps} each way, {@code --rtt-ms} round trip, no cuts) into
 * Debian's Mosquitto:
 *
 * <ul>
 *   <li><b>mast</b>: the pole starts again on that store and sends the backlog as it would (QoS 1
 *       frames, its profile, status and health);
 *   <li><b>sparkplug_per_scan</b>: an edge node publishes its birth, then one data message per
 *       sampling instant (the seven metrics of that scan), QoS 0 as the specification has it;
 *   <li><b>sparkplug_batched</b>: the same with as many metrics per message as the pole put
 *       readings in a frame, so the two send as many messages.
 * </ul>
 *
 * <p>Each run is timed from the first connection the link sees to the last reading a subscriber on
 * the broker decodes (each once, by sequence or by alias and timestamp). Bytes are the TCP payload
 * both ways, counted two round trips after that (so the acknowledgements are in); the air bytes add
 * IP and TCP headers as {@link LinkShaper.Stats#airBytes()} estimates.
 */
@Command(name = "drain", mixinStandardHelpOptions = true,
    description = {"Send a pole's backlog through an emulated NB-IoT link to Mosquitto, and the same readings as Sparkplug B payloads: "
        + "time and bytes on the air.", "Example: mast bench drain --hours 24"})
final class DrainBench implements Callable<Integer> {
  private static final String POLE = "drain-pole";
  private static final Pattern FED = Pattern.compile("replay: (\\d+) readings fed");

  @Option(names = "--hours", defaultValue = "24", paramLabel = "H", description = "Hours of backlog (default: ${DEFAULT-VALUE}).")
  int hours;

  @Option(names = "--kbps", defaultValue = "10", paramLabel = "KBIT/S", description = "Link rate each way, kbit/s (default: ${DEFAULT-VALUE}).")
  long kbps;

  @Option(names = "--rtt-ms", defaultValue = "2000", paramLabel = "MS", description = "Link round trip, ms (default: ${DEFAULT-VALUE}).")
  long rttMs;

  private final PrintStream out = System.out;

  private record Run(String name, long messages, long readings, double seconds, LinkShaper.Stats link) {}

  @Override
  public Integer call() throws Exception {
    Path work = Files.createTempDirectory("mast-bench-drain-");
    ChannelProfile profile = SyntheticPole.profile();
    long start = System.currentTimeMillis() / 1000 / 10 * 10 - hours * 3600L;
    List<Reading> readings = SyntheticPole.readings(start, hours * 3600L, 29);
    Path channels = work.resolve("channels.csv");
    Path day = work.resolve("backlog.csv");
    ReadingsCsv.write(channels, day, profile, readings);
    Mosquitto mosquitto = Mosquitto.start(work.resolve("mosquitto"));
    try {
      out.printf(Locale.ROOT, "backlog: %d readings (%d h of %d channels every %d s); link %d kbit/s each way, %d ms round trip%n",
          readings.size(), hours, profile.channels().size(), SyntheticPole.INTERVAL_S, kbps, rttMs);
      fill(work, channels, day, readings.size());
      List<Run> runs = new ArrayList<>();
      Run mast = mast(work, channels, day, mosquitto, readings.size());
      runs.add(mast);
      out.println(row(mast));
      Run perScan = sparkplug("sparkplug_per_scan", mosquitto, profile, readings, profile.channels().size());
      runs.add(perScan);
      out.println(row(perScan));
      int perMessage = (int) Math.max(1, Math.round((double) readings.size() / mast.messages()));
      Run batched = sparkplug("sparkplug_batched", mosquitto, profile, readings, perMessage);
      runs.add(batched);
      out.println(row(batched));
      out.printf("%n%-20s %9s %9s %9s %11s %11s %11s %12s %10s%n", "run", "messages", "readings", "seconds", "tcp_up_b", "tcp_down_b",
          "air_bytes", "air_b_per_rd", "vs_mast");
      for (Run r : runs) {
        out.printf(Locale.ROOT, "%-20s %9d %9d %9.1f %11d %11d %11d %12.2f %10.2f%n", r.name(), r.messages(), r.readings(), r.seconds(),
            r.link().bytesUp(), r.link().bytesDown(), r.link().airBytes(), (double) r.link().airBytes() / r.readings(),
            (double) r.link().airBytes() / mast.link().airBytes());
      }
      return 0;
    } finally {
      mosquitto.close();
      WorkDirs.delete(work);
    }
  }

  private static String row(Run r) {
    return String.format(Locale.ROOT, "%s: messages=%d readings=%d seconds=%.1f tcp_bytes_up=%d tcp_bytes_down=%d segments=%d air_bytes=%d"
        + " air_bytes_per_reading=%.2f", r.name(), r.messages(), r.readings(), r.seconds(), r.link().bytesUp(), r.link().bytesDown(),
        r.link().segmentsUp() + r.link().segmentsDown(), r.link().airBytes(), (double) r.link().airBytes() / r.readings());
  }

  private List<String> pole(Path work, Path channels, Path day, String broker) {
    return List.of("run", "--sim", "--replay", day.toString(), "--speed", "max", "--channels", channels.toString(), "--store",
        work.resolve("state").toString(), "--device-id", POLE, "--broker", broker, "--console", "none");
  }

  /** The backlog: the pole replays it into its store with no broker to reach, and stops. */
  private void fill(Path work, Path channels, Path day, int expected) throws Exception {
    int nowhere = EmbeddedBroker.freePort(); // closed again: connects are refused there
    Path log = work.resolve("fill.log");
    Process p = ChildJvm.mast(ChildJvm.runOptions(), pole(work, channels, day, "tcp://127.0.0.1:" + nowhere)).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    try {
      ConfigBench.waitFor(() -> FED.matcher(Files.readString(log)).find() || !p.isAlive(), 600, "the backlog replayed into the store");
      Matcher m = FED.matcher(Files.readString(log));
      if (!m.find() || Long.parseLong(m.group(1)) != expected) {
        throw new IllegalStateException("the pole did not store the backlog (" + expected + " readings):\n" + Files.readString(log));
      }
    } finally {
      ChildJvm.stop(p, 120); // SIGTERM: the store is synced on the way out
    }
  }

  private Run mast(Path work, Path channels, Path day, Mosquitto mosquitto, int expected) throws Exception {
    Set<Long> seqs = new HashSet<>();
    long[] got = new long[1];
    FrameDecoder[] decoder = new FrameDecoder[1];
    long[] done = new long[1];
    MqttClient platform = subscriber(mosquitto, "m/" + POLE + "/#", (topic, payload) -> {
      synchronized (seqs) {
        if (topic.endsWith("/p")) {
          decoder[0] = new FrameDecoder(ChannelProfile.parse(payload));
        } else if (topic.endsWith("/t") && decoder[0] != null) {
          try {
            var f = decoder[0].decode(payload);
            if (seqs.add(f.seq())) {
              got[0] += f.readings().size();
              if (got[0] >= expected && done[0] == 0) {
                done[0] = System.nanoTime();
              }
            }
          } catch (FrameFormatException e) {
            out.println("mast bench drain: a frame does not decode: " + e.getMessage());
          }
        }
      }
    });
    Path log = work.resolve("drain.log");
    try (LinkShaper link = link(mosquitto)) {
      Process p = ChildJvm.mast(ChildJvm.runOptions(), pole(work, channels, day, link.uri())).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      try {
        ConfigBench.waitFor(() -> link.stats().connections() > 0 || !p.isAlive(), 120, "the pole to connect");
        long t0 = System.nanoTime();
        ConfigBench.waitFor(() -> {
          synchronized (seqs) {
            return done[0] != 0 || !p.isAlive();
          }
        }, hours * 3600, "the backlog delivered");
        synchronized (seqs) {
          if (done[0] == 0) {
            throw new IllegalStateException("the pole stopped with " + got[0] + " of " + expected + " readings delivered:\n" + Files.readString(log));
          }
        }
        settle();
        synchronized (seqs) {
          return new Run("mast", seqs.size(), got[0], (done[0] - t0) / 1e9, link.stats());
        }
      } finally {
        ChildJvm.stop(p, 60);
        platform.disconnect();
        platform.close();
      }
    }
  }

  private Run sparkplug(String name, Mosquitto mosquitto, ChannelProfile profile, List<Reading> readings, int perMessage) throws Exception {
    String topic = "spBv1.0/mast/NDATA/" + name;
    Set<Long> seen = new HashSet<>();
    long[] done = new long[1];
    MqttClient platform = subscriber(mosquitto, topic, (t, payload) -> {
      synchronized (seen) {
        for (long[] m : SparkplugStyle.metrics(payload)) {
          seen.add(m[1] * 64 + m[0]);
        }
        if (seen.size() >= readings.size() && done[0] == 0) {
          done[0] = System.nanoTime();
        }
      }
    });
    try (LinkShaper link = link(mosquitto)) {
      MqttClient node = new MqttClient(link.uri(), name, new MemoryPersistence());
      MqttConnectOptions o = new MqttConnectOptions();
      o.setKeepAliveInterval(1200);
      o.setConnectionTimeout(60);
      long t0 = System.nanoTime();
      node.connect(o);
      node.publish("spBv1.0/mast/NBIRTH/" + name, SparkplugStyle.birth(profile, System.currentTimeMillis()), 0, false);
      long messages = 0;
      for (int i = 0; i < readings.size(); i += perMessage) {
        List<Reading> these = readings.subList(i, Math.min(readings.size(), i + perMessage));
        node.publish(topic, SparkplugStyle.data(profile, these, System.currentTimeMillis(), ++messages), 0, false);
      }
      ConfigBench.waitFor(() -> {
        synchronized (seen) {
          return done[0] != 0;
        }
      }, hours * 3600, "the Sparkplug messages delivered");
      settle();
      LinkShaper.Stats stats = link.stats();
      node.disconnect();
      node.close();
      platform.disconnect();
      platform.close();
      return new Run(name, messages, seen.size(), (done[0] - t0) / 1e9, stats);
    }
  }

  /** Two round trips after the last reading arrived: what answers it (the PUBACKs) has crossed the link too. */
  private void settle() throws InterruptedException {
    Thread.sleep(2 * rttMs + 1000); // a benchmark's pacing: the bytes counted after it include the acknowledgements
  }

  private interface Receiver {
    void message(String topic, byte[] payload) throws Exception;
  }

  /** A subscriber on the broker itself, past the link: what the platform receives. */
  private MqttClient subscriber(Mosquitto mosquitto, String filter, Receiver receiver) throws Exception {
    MqttClient c = new MqttClient(mosquitto.uri(), "bench-platform-" + System.nanoTime(), new MemoryPersistence());
    MqttConnectOptions o = new MqttConnectOptions();
    o.setMaxInflight(1000);
    c.connect(o);
    c.subscribe(filter, 1, (t, m) -> {
      try {
        receiver.message(t, m.getPayload());
      } catch (Exception e) {
        out.println("mast bench drain: " + t + ": " + e);
      }
    });
    return c;
  }

  private LinkShaper link(Mosquitto mosquitto) throws IOException {
    int port = Integer.parseInt(mosquitto.uri().replaceAll(".*:", ""));
    return LinkShaper.to("127.0.0.1", port).bitsPerSecond(kbps * 1000).latency(Duration.ofMillis(rttMs / 2)).start(0);
  }
}

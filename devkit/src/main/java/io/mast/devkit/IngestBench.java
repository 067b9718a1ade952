package io.mast.devkit;

import io.mast.protocol.Channel;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.EncodedFrame;
import io.mast.protocol.FrameEncoder;
import io.mast.protocol.Reading;
import io.mast.sim.Mosquitto;
import io.mast.sim.Postgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mast bench ingest}: rows per second of {@code mast ingest} with 1, 2, 4... instances
 * (child JVMs) sharing one subscription, each count on a fresh Debian Mosquitto and a fresh,
 * durable PostgreSQL (fsync on). A publisher sends the frames of {@code --devices} poles as fast
 * as the broker takes them; the time runs from its first publish to the last reading row, counted
 * in the database. Every run checks that the rows are exactly the readings sent.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true,
    description = {"Rows per second of mast ingest with several instances on one shared subscription, into a durable PostgreSQL.",
        "Example: mast bench ingest --devices 500 --frames 40 --consumers 1,2,4"})
final class IngestBench implements Callable<Integer> {
  /** Connections publishing the frames at once. */
  static final int PUBLISHERS = 8;
  /** Steps of both channels in each frame: 24 readings. */
  static final int STEPS = 12;
  static final ChannelProfile PROFILE = ChannelProfile.of(List.of(
      new Channel(0, "air.pm25", "ug/m3", 0, 10, Channel.Kind.GAUGE, "PM2.5"),
      new Channel(1, "water.volume", "m3", -3, 10, Channel.Kind.COUNTER, "meter")));

  @Option(names = "--devices", defaultValue = "500", paramLabel = "N", description = "Poles whose frames are sent (default: ${DEFAULT-VALUE}).")
  int devices;

  @Option(names = "--frames", defaultValue = "40", paramLabel = "F", description = "Frames per pole, 24 readings each (default: ${DEFAULT-VALUE}).")
  int frames;

  @Option(names = "--consumers", defaultValue = "1,2,4", split = ",", paramLabel = "K", description = "Instance counts to run (default: ${DEFAULT-VALUE}).")
  List<Integer> consumers;

  /** Frame {@code f} of device {@code d}: {@code steps} ten-second steps of both channels of {@link #PROFILE}. */
  static EncodedFrame frame(int d, int f, int steps) {
    List<Reading> readings = new ArrayList<>();
    for (int i = 0; i < steps; i++) {
      long t = 1_770_000_000L + (f * steps + i) * 10L;
      readings.add(new Reading(0, t, 10 + (d + i) % 7));
      readings.add(new Reading(1, t, 1000L * d + f * steps + i));
    }
    return FrameEncoder.builder(PROFILE).build().encode(readings, 2L * (f * steps + 1)).get(0);
  }

  static long count(String jdbc, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbc); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getLong(1);
    }
  }

  @Override
  public Integer call() throws Exception {
    Path work = Files.createTempDirectory("mast-bench-ingest");
    try {
      long expected = (long) devices * frames * STEPS * 2;
      System.out.printf("bench ingest: %d poles x %d frames x %d readings = %,d readings a run%n", devices, frames, STEPS * 2, expected);
      boolean exact = true;
      for (int k : consumers) {
        exact &= run(work.resolve("run-" + k), k, expected);
      }
      return exact ? 0 : 1;
    } finally {
      WorkDirs.delete(work);
    }
  }

  private boolean run(Path dir, int k, long expected) throws Exception {
    Files.createDirectories(dir);
    try (Postgres db = Postgres.start(true)) {
      Mosquitto broker = Mosquitto.start(dir.resolve("broker"));
      List<Process> children = new ArrayList<>();
      try {
        for (int i = 1; i <= k; i++) {
          Path log = dir.resolve("ingest-" + i + ".log");
          children.add(ChildJvm.mast(List.of("-Xmx256m", "-XX:+UseSerialGC"), List.of("ingest", "--broker", broker.uri(), "--share",
              "bench", "--client-id", "bench-" + i, "--jdbc", db.jdbcUrl(), "--batch", "1000")).redirectErrorStream(true)
              .redirectOutput(log.toFile()).start());
          awaitLine(log, "ingest: bench-" + i + " takes", children.get(i - 1));
        }
        MqttClient profiles = new MqttClient(broker.uri(), "bench-profiles", new MemoryPersistence());
        profiles.connect(publisherOptions());
        for (int d = 0; d < devices; d++) {
          profiles.publish("m/pole-" + d + "/p", PROFILE.toBytes(), 1, true);
        }
        profiles.disconnect();
        profiles.close();
        long t0 = System.nanoTime();
        // the poles' frames from PUBLISHERS connections at once (a publish at QoS 1 waits for its PUBACK)
        java.util.concurrent.ExecutorService publishers = java.util.concurrent.Executors.newFixedThreadPool(PUBLISHERS);
        List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
        for (int p = 0; p < PUBLISHERS; p++) {
          int part = p;
          sent.add(publishers.submit(() -> {
            MqttClient pub = new MqttClient(broker.uri(), "bench-poles-" + part, new MemoryPersistence());
            pub.connect(publisherOptions());
            for (int f = 0; f < frames; f++) {
              for (int d = part; d < devices; d += PUBLISHERS) {
                pub.publish("m/pole-" + d + "/t", frame(d, f, STEPS).bytes(), 1, false);
              }
            }
            pub.disconnect();
            pub.close();
            return null;
          }));
        }
        for (java.util.concurrent.Future<?> f : sent) {
          f.get();
        }
        publishers.shutdown();
        double publishS = (System.nanoTime() - t0) / 1e9;
        long rows;
        long deadline = System.nanoTime() + 600_000_000_000L;
        while ((rows = count(db.jdbcUrl(), "SELECT count(*) FROM readings")) < expected && System.nanoTime() < deadline) {
          Thread.sleep(100); // a benchmark's poll of the database
        }
        double s = (System.nanoTime() - t0) / 1e9;
        long distinct = count(db.jdbcUrl(), "SELECT count(DISTINCT (device, channel, t)) FROM readings");
        long tableBytes = count(db.jdbcUrl(), "SELECT pg_total_relation_size('readings')");
        List<String> shares = new ArrayList<>();
        for (int i = 0; i < children.size(); i++) {
          ChildJvm.stop(children.get(i), 30);
          String out = Files.readString(dir.resolve("ingest-" + (i + 1) + ".log"));
          java.util.regex.Matcher m = java.util.regex.Pattern.compile(" readings=(\\d+)").matcher(out);
          shares.add(m.find() ? m.group(1) : "?");
        }
        children.clear();
        System.out.printf(Locale.ROOT, "consumers=%d readings=%d rows=%d distinct=%d seconds=%.1f rows_per_s=%.0f publish_s=%.1f"
            + " bytes_per_row=%.0f rows_by_consumer=%s%n", k, expected, rows, distinct, s, rows / s, publishS, tableBytes / (double) rows,
            String.join("/", shares));
        return rows == expected && distinct == expected;
      } finally {
        for (Process p : children) {
          ChildJvm.kill(p);
        }
        broker.stop();
      }
    }
  }

  /** Paho counts a publish in flight until its callback thread has seen the PUBACK: a window wider than its 10. */
  private static MqttConnectOptions publisherOptions() {
    MqttConnectOptions o = new MqttConnectOptions();
    o.setMaxInflight(1000);
    return o;
  }

  private static void awaitLine(Path log, String line, Process p) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!(Files.exists(log) && Files.readString(log).contains(line))) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        throw new IOException("mast ingest did not start: " + (Files.exists(log) ? Files.readString(log) : ""));
      }
      Thread.sleep(50); // a child starting: its log is all there is to watch
    }
  }
}

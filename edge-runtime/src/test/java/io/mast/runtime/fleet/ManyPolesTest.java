package io.mast.runtime.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.config.DeviceConfigs;
import io.mast.config.model.DeviceConfig;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.ReadingsCsv;
import io.mast.runtime.EdgeRuntime;
import io.mast.seams.PoleThreads;
import io.mast.seams.Scheduler;
import io.mast.sim.EmbeddedBroker;
import io.mast.sim.SimulatedBoard;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hundred poles in one JVM on one embedded broker, on one shared set of threads: each sends its
 * readings and has them acknowledged, and what one more pole costs in threads is counted. With
 * the threads shared, a pole's own are Paho's three (receiver, sender, callback: each blocks on
 * its connection) and, here, the thread that reads its replay file.
 */
class ManyPolesTest {
  static final int POLES = 100;
  static final int STEPS = 30;
  /** Threads a pole may add besides the shared ones: Paho's 3 and its replay reader. */
  static final int OWN_THREADS = 4;

  @TempDir Path dir;

  @Test
  void aHundredPolesOnSharedThreadsEachSendAndAreAcknowledgedForThreeThreadsAPole() throws Exception {
    Path[] data = dataset();
    try (EmbeddedBroker broker = EmbeddedBroker.start(0)) {
      int start = threads();
      double shared;
      try (PoleThreads threads = PoleThreads.shared("fleet")) {
        shared = run("shared", broker, data, i -> threads);
      }
      // the shared run's threads end before the next run counts from its own starting point
      awaitThreadsAtMost(start + 2, "the shared poles' threads end with them");
      // the same poles, each with threads of its own, as one pole on a board runs
      double own = run("own", broker, data, i -> PoleThreads.own(Scheduler.newThread("mast-timer")));
      assertTrue(shared <= OWN_THREADS, shared + " threads a pole on shared threads; at most " + OWN_THREADS);
      assertTrue(own > shared + 2, "a pole on threads of its own costs " + own + " threads, on shared ones " + shared);
    }
  }

  /** Runs {@link #POLES} poles until each has its readings acknowledged; returns the threads each added. */
  private double run(String how, EmbeddedBroker broker, Path[] data, IntFunction<PoleThreads> threadsFor) throws Exception {
    ChannelProfile profile = ReadingsCsv.readChannels(data[1]);
    DeviceConfig base = SimulatedBoard.exampleConfig();
    DeviceConfig config = DeviceConfigs.effective(base.toBuilder().clearAlarms()
        .setStore(base.getStore().toBuilder().setCapacityBytes(1 << 20))
        .setUplink(base.getUplink().toBuilder().setReconnectMinMs(100).setReconnectMaxS(2)).build());
    int before = threads();
    List<EdgeRuntime> poles = new ArrayList<>();
    double perPole;
    try {
      for (int i = 0; i < POLES; i++) {
        String id = String.format("%s-%03d", how, i);
        poles.add(EdgeRuntime.start(new EdgeRuntime.Options(config, id, List.of(broker.uri()), dir.resolve(id), null, data[0],
            profile, 0, -1, "test"), Clock.systemUTC(), threadsFor.apply(i)));
      }
      Awaitility.await("every pole's readings acknowledged").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
          .until(() -> poles.stream().allMatch(p -> p.uplinkStats().readingsAcked() == 2L * STEPS));
      int during = threads();
      perPole = (during - before) / (double) POLES;
      System.out.printf("%d poles on %s threads: %d threads before, %d with them running (%.2f per pole); by kind: %s%n",
          POLES, how, before, during, perPole, threadsByKind());
      for (EdgeRuntime p : poles) {
        assertEquals(2L * STEPS, p.uplinkStats().readingsAcked(), p.deviceId());
        assertTrue(p.uplinkStats().framesAcked() >= 1, p.deviceId());
      }
    } finally {
      poles.forEach(EdgeRuntime::close);
    }
    if (how.equals("own")) {
      awaitThreadsAtMost(before + 2, "the poles' threads end with them");
      System.out.printf("after the %d poles closed: %d threads%n", POLES, threads());
    }
    return perPole;
  }

  private static void awaitThreadsAtMost(int most, String what) {
    Awaitility.await(what).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .until(() -> threads() <= most);
  }

  /** {@link #STEPS} ten-second steps of two channels: the readings CSV and the channels CSV. */
  private Path[] dataset() throws Exception {
    Path channels = dir.resolve("c.csv");
    Files.writeString(channels, "channel,unit,exponent,interval_s,kind,description\n"
        + "air.pm25,ug/m3,0,10,gauge,PM2.5\nwater.volume,L,0,10,counter,meter\n");
    StringBuilder rows = new StringBuilder("time,channel,value\n");
    for (int i = 0; i < STEPS; i++) {
      String t = java.time.Instant.ofEpochSecond(1_770_000_000L + i * 10L).toString();
      rows.append(t).append(",air.pm25,").append(10 + i % 7).append('\n');
      rows.append(t).append(",water.volume,").append(1000 + i * 3).append('\n');
    }
    Path readings = dir.resolve("r.csv");
    Files.writeString(readings, rows);
    return new Path[] {readings, channels};
  }

  private static int threads() {
    return ManagementFactory.getThreadMXBean().getThreadCount();
  }

  /** Live threads by name with digits and client ids dropped: "MQTT Rec", "fleet-pool", "mast-timer"... */
  private static Map<String, Integer> threadsByKind() {
    Map<String, Integer> kinds = new TreeMap<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      String n = t.getName();
      String kind = n.startsWith("MQTT ") ? n.substring(0, Math.min(n.length(), 8)) : n.replaceAll("[-\\s]*\\d+$", "");
      kinds.merge(kind, 1, Integer::sum);
    }
    return kinds;
  }
}

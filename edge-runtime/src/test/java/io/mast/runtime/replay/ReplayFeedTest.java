package io.mast.runtime.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.protocol.Channel;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.Reading;
import io.mast.runtime.alarm.AlarmRules;
import io.mast.runtime.sampling.Ingest;
import io.mast.seams.ManualScheduler;
import io.mast.store.RingStore;
import io.mast.store.StoredRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayFeedTest {
  private static final ChannelProfile PROFILE = ChannelProfile.of(List.of(
      new Channel(0, "a", "", 0, 60, Channel.Kind.GAUGE, ""), new Channel(1, "b", "", 0, 60, Channel.Kind.GAUGE, "")));

  @TempDir
  Path dir;

  /** 100 minutes of two channels, one row each a minute. */
  private Path csv() throws Exception {
    StringBuilder rows = new StringBuilder("time,channel,value\n");
    for (int i = 0; i < 100; i++) {
      String t = Instant.ofEpochSecond(1_770_000_000L + 60L * i).toString();
      rows.append(t).append(",a,").append(i).append('\n').append(t).append(",b,").append(-i).append('\n');
    }
    Path file = dir.resolve("r.csv");
    Files.writeString(file, rows);
    return file;
  }

  private static List<Reading> stored(RingStore store) throws Exception {
    List<Reading> out = new ArrayList<>();
    for (StoredRecord r : store.read(1, 10_000)) {
      out.addAll(r.readings());
    }
    return out;
  }

  @Test
  void rowsOfOneTimeAreOneRecordAndMalformedRowsAreCountedAndSkipped() throws Exception {
    Path file = dir.resolve("bad.csv");
    Files.writeString(file, "time,channel,value\n2026-01-01T00:00:00Z,a,1\n2026-01-01T00:00:00Z,b,2\n"
        + "2026-01-01T00:01:00Z,c,3\nnoon,a,4\n2026-01-01T00:02:00Z,a,5\n");
    try (ManualScheduler time = new ManualScheduler(); RingStore store = RingStore.builder(dir.resolve("s")).scheduler(time).open()) {
      Ingest ingest = new Ingest(store, new AlarmRules(List.of(), PROFILE), 8, () -> { });
      ReplayFeed.Result r = new ReplayFeed(file, PROFILE, ingest, 0, n -> { }).play(null, -1);
      assertEquals(3, r.fed());
      assertEquals(2, r.malformed());
      assertTrue(r.firstProblem().startsWith(file + ":4: channel 'c' is not in the channels file"), r.firstProblem());
      assertTrue(r.exhausted());
      store.sync();
      assertEquals(List.of(2, 1), store.read(1, 10).stream().map(x -> x.readings().size()).toList());
    }
  }

  @Test
  void aReplayStoppedHalfWayResumesAfterTheNewestStoredReadingLosingAndRepeatingNothing() throws Exception {
    Path file = csv();
    Path storeDir = dir.resolve("s");
    try (ManualScheduler time = new ManualScheduler()) {
      try (RingStore store = RingStore.builder(storeDir).scheduler(time).open()) {
        Ingest ingest = new Ingest(store, new AlarmRules(List.of(), PROFILE), 8, () -> { });
        ReplayFeed.Result first = new ReplayFeed(file, PROFILE, ingest, 0, n -> { }).play(null, 40 * 60);
        assertFalse(first.exhausted(), "stopped at 40 minutes of data");
        assertEquals(80, first.fed());
        store.sync();
      }
      try (RingStore store = RingStore.builder(storeDir).scheduler(time).open()) {
        Ingest ingest = new Ingest(store, new AlarmRules(List.of(), PROFILE), 8, () -> { });
        ReplayFeed.Result rest = new ReplayFeed(file, PROFILE, ingest, 0, n -> { }).play(ingest.lastStored(), -1);
        assertEquals(80, rest.resumedPast(), "the rows already stored are skipped");
        assertEquals(120, rest.fed());
        store.sync();
        List<Reading> all = stored(store);
        assertEquals(200, all.size(), "every row once");
        for (int i = 0; i < 100; i++) {
          assertEquals(new Reading(0, 1_770_000_000L + 60L * i, i), all.get(2 * i));
        }
      }
    }
  }

  @Test
  void atAFactorOverRealTimeTheFeedWaitsForEachRowsTime() throws Exception {
    Path file = csv();
    try (ManualScheduler time = new ManualScheduler(); RingStore store = RingStore.builder(dir.resolve("s")).scheduler(time).open()) {
      Ingest ingest = new Ingest(store, new AlarmRules(List.of(), PROFILE), 8, () -> { });
      AtomicLong now = new AtomicLong();
      List<Long> slept = new ArrayList<>();
      // 60x: a minute of data a second; the sleeper waits in steps of at most 100 ms
      ReplayFeed feed = new ReplayFeed(file, PROFILE, ingest, 60, n -> {
        slept.add(n);
        now.addAndGet(n);
      }, now::get);
      feed.play(null, 10 * 60);
      assertEquals(20, feed.fed());
      assertEquals(9_000_000_000L, now.get(), "rows at 0..9 minutes of data: 9 s at 60x");
      assertTrue(slept.stream().allMatch(n -> n > 0 && n <= 100_000_000L), slept.toString());
    }
  }
}

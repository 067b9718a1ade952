package io.mast.runtime.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.config.model.AlarmRule;
import io.mast.protocol.Channel;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.Reading;
import io.mast.runtime.alarm.AlarmRules;
import io.mast.seams.ManualScheduler;
import io.mast.store.RingStore;
import io.mast.store.StoredRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestTest {
  private static final ChannelProfile PROFILE = ChannelProfile.of(List.of(
      new Channel(0, "air.pm25", "ug/m3", 0, 10, Channel.Kind.GAUGE, ""),
      new Channel(1, "water.volume", "L", 0, 10, Channel.Kind.COUNTER, "")));
  private static final AlarmRules PM25_ABOVE_50 = new AlarmRules(List.of(AlarmRule.newBuilder().setChannel("air.pm25").setAbove(50).build()), PROFILE);

  @TempDir
  Path dir;

  private static List<Reading> sample(long time, int n) {
    List<Reading> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new Reading(i % 2, time, 10 + i));
    }
    return out;
  }

  @Test
  void aSampleIsStoredInRecordsThatEachFitAFrameAndDurabilityIsAnnounced() throws Exception {
    try (ManualScheduler time = new ManualScheduler(); RingStore store = RingStore.builder(dir).scheduler(time).open()) {
      AtomicInteger durable = new AtomicInteger();
      Ingest ingest = new Ingest(store, PM25_ABOVE_50, 8, durable::incrementAndGet);
      ingest.accept(sample(1_000, 20));
      assertEquals(3, ingest.records(), "20 readings, at most 8 a record");
      assertEquals(20, ingest.readings());
      assertEquals(0, durable.get(), "not durable before the group commit");
      store.sync();
      time.runDue();
      assertTrue(durable.get() >= 1, "announced once durable");
      List<Integer> sizes = store.read(1, 10).stream().map(r -> r.readings().size()).toList();
      assertEquals(List.of(8, 8, 4), sizes);
      assertEquals(8, Ingest.recordLimit(256));
      assertEquals(64, Ingest.recordLimit(65_535));
    }
  }

  @Test
  void alarmRulesSeeEveryStoredReadingAndTheirEventsGoToTheAlarmLane() throws Exception {
    try (ManualScheduler time = new ManualScheduler(); RingStore store = RingStore.builder(dir).scheduler(time).open()) {
      Ingest ingest = new Ingest(store, PM25_ABOVE_50, 8, () -> { });
      ingest.accept(List.of(new Reading(0, 1_000, 20), new Reading(1, 1_000, 5)));
      ingest.accept(List.of(new Reading(0, 1_010, 80)));
      ingest.accept(List.of(new Reading(0, 1_020, 30)));
      time.runDue();
      assertEquals(2, ingest.alarms(), "raised at 80, cleared at 30");
      assertEquals(2, store.readAlarms(1, 10).size());
      assertTrue(store.readAlarms(1, 10).get(0).alarm().raised());
    }
  }

  @Test
  void aCutIsStoredOnlyAfterNewReadingsAndTheNewestReadingIsWhereAReplayResumes() throws Exception {
    try (ManualScheduler time = new ManualScheduler()) {
      try (RingStore store = RingStore.builder(dir).scheduler(time).open()) {
        Ingest ingest = new Ingest(store, PM25_ABOVE_50, 8, () -> { });
        assertNull(ingest.lastStored(), "an empty store");
        ingest.cut();
        assertEquals(0, ingest.cuts(), "nothing to close");
        ingest.accept(sample(1_000, 2));
        ingest.cut();
        ingest.cut();
        assertEquals(1, ingest.cuts(), "cuts never follow each other");
        store.sync();
      }
      try (RingStore store = RingStore.builder(dir).scheduler(time).open()) {
        Ingest again = new Ingest(store, PM25_ABOVE_50, 8, () -> { });
        assertEquals(new Reading(1, 1_000, 11), again.lastStored(), "the newest reading, past the trailing cut");
        again.cut();
        assertEquals(0, again.cuts(), "the store ended with a cut: nothing new to close");
        List<StoredRecord> records = store.read(1, 10);
        assertEquals(2, records.size());
        assertTrue(records.get(1).isCut());
      }
    }
  }
}

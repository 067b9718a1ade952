package io.mast.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.protocol.Reading;
import io.mast.seams.DurableFiles;
import io.mast.seams.FaultyFiles;
import io.mast.seams.ManualScheduler;
import io.mast.store.internal.Payloads;
import io.mast.store.internal.RecordFormat;
import io.mast.store.internal.SegmentHeader;
import io.mast.store.internal.SegmentRing;
import io.mast.store.internal.SlotFiles;
import io.mast.store.internal.StateFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RingStoreTest {
  /** Every test reading encodes to 8 bytes, so every record is 28 bytes and 146 fill a page. */
  static final int RECORD = 28;
  static final int SEGMENT = 16 * 1024;

  @TempDir
  Path dir;

  final ManualScheduler scheduler = new ManualScheduler();
  final List<RingStore> opened = new ArrayList<>();

  @AfterEach
  void closeQuietly() {
    for (RingStore s : opened) {
      try {
        s.close();
      } catch (IOException | RuntimeException ignored) {
        // a store abandoned by a simulated crash cannot close cleanly
      }
    }
  }

  static Reading reading(long seq) {
    return new Reading((int) (seq % 3), 1_700_000_000L + seq * 10, 100 + seq % 1000);
  }

  RingStore open(DurableFiles files) throws IOException {
    return open(files, 4 * SEGMENT);
  }

  RingStore open(DurableFiles files, long capacity) throws IOException {
    RingStore s = RingStore.builder(dir).files(files).scheduler(scheduler).capacityBytes(capacity)
        .segmentBytes(SEGMENT).alarmCapacityBytes(4 * SegmentRing.MIN_SEGMENT)
        .alarmSegmentBytes(SegmentRing.MIN_SEGMENT).syncInterval(Duration.ofSeconds(1)).open();
    opened.add(s);
    return s;
  }

  static List<RingStore.Receipt> appendRange(RingStore s, long from, long to) throws IOException {
    List<RingStore.Receipt> out = new ArrayList<>();
    for (long seq = from; seq <= to; seq++) {
      RingStore.Receipt r = s.append(reading(seq));
      assertEquals(seq, r.seq(), "sequence numbers follow each other");
      out.add(r);
    }
    return out;
  }

  /** Asserts the store holds exactly records {@code from..to}, each with its own reading. */
  static void assertHolds(RingStore s, long from, long to) throws IOException {
    List<StoredRecord> all = s.read(0, Integer.MAX_VALUE);
    assertEquals(to - from + 1, all.size(), "records kept: " + (all.isEmpty() ? "none"
        : all.get(0).seq() + ".." + all.get(all.size() - 1).seq()));
    for (int i = 0; i < all.size(); i++) {
      StoredRecord r = all.get(i);
      assertEquals(from + i, r.seq());
      assertEquals(List.of(reading(r.seq())), r.readings());
    }
  }

  private List<String> segmentFiles() throws IOException {
    List<String> names = new ArrayList<>();
    for (String lane : List.of("readings", "alarms")) {
      Path d = dir.resolve(lane);
      if (java.nio.file.Files.isDirectory(d)) {
        try (var files = java.nio.file.Files.list(d)) {
          files.filter(f -> f.getFileName().toString().startsWith("seg-"))
              .forEach(f -> names.add(lane + "/" + f.getFileName() + " " + f.toFile().length()));
        }
      }
    }
    names.sort(null);
    return names;
  }

  @Test
  void theLargestRecordAmongSmallOnesIsWrittenAndReadBackAfterAReopen() throws IOException {
    // the writer's page buffer and the reader's chunk start small and grow for such a record
    List<List<Reading>> records = new ArrayList<>();
    for (int k = 0; k < 40; k++) {
      records.add(List.of(reading(k)));
    }
    List<Reading> largest = new ArrayList<>();
    long i = 0;
    do {
      largest.add(new Reading((int) (i % 7), 1_700_000_000L + i * 997, i * 1_000_003L)); // wide values: few fit a record
      i++;
    } while (RingStore.recordBytes(largest) + 64 < RecordFormat.MAX_RECORD);
    records.add(largest);
    for (int k = 40; k < 80; k++) {
      records.add(List.of(reading(k)));
    }
    RingStore s = RingStore.builder(dir).files(DurableFiles.real()).scheduler(scheduler).capacityBytes(512 * 1024)
        .segmentBytes(128 * 1024).syncInterval(Duration.ofSeconds(1)).open();
    opened.add(s);
    for (List<Reading> r : records) {
      s.append(r);
    }
    assertTrue(RingStore.recordBytes(largest) > RecordFormat.MAX_RECORD - 200, RingStore.recordBytes(largest) + " bytes");
    s.sync();
    s.close();
    RingStore again = RingStore.builder(dir).files(DurableFiles.real()).scheduler(scheduler).capacityBytes(512 * 1024)
        .segmentBytes(128 * 1024).syncInterval(Duration.ofSeconds(1)).open();
    opened.add(again);
    List<StoredRecord> back = again.read(0, Integer.MAX_VALUE);
    assertEquals(records.size(), back.size());
    for (int k = 0; k < records.size(); k++) {
      assertEquals(records.get(k), back.get(k).readings(), "record " + k);
    }
  }

  @Test
  void aStoreTheFileSystemCannotHoldIsRefusedBeforeAByteIsWrittenWithWhatItNeedsAndWhatIsFree() throws IOException {
    FaultyFiles files = new FaultyFiles().usableSpace(40_000);
    IOException e = assertThrows(IOException.class, () -> open(files));
    assertEquals("store " + dir + " needs 98,304 more bytes (readings 65,536, alarms 32,768: its segments are preallocated)"
        + " but its file system has 40,000 bytes free; free space there or lower store.capacity_bytes (now 65,536)", e.getMessage());
    assertEquals(0, files.writes(), "nothing written");
    assertEquals(List.of(), segmentFiles());

    // the real file system: a capacity beyond its free space by far more than other processes
    // could free meanwhile (a margin of a few segments once let a concurrent build's cleanup make
    // room, and the store began preallocating a million segments)
    long free = DurableFiles.real().usableSpace(dir);
    long capacity = (free / SEGMENT + (1L << 40) / SEGMENT) * SEGMENT;
    IOException real = assertThrows(IOException.class, () -> open(DurableFiles.real(), capacity));
    assertTrue(real.getMessage().contains(" bytes free; free space there or lower store.capacity_bytes"), real.getMessage());
    assertEquals(List.of(), segmentFiles());
  }

  @Test
  void aDiskThatFillsDuringPreallocationLeavesNoPartialFileAndTheStoreThatWasThereIntact() throws IOException {
    // a new store: the write of page 5 fails as a full disk does
    FaultyFiles full = new FaultyFiles();
    full.failWritesFrom(5, "No space left on device");
    IOException e = assertThrows(IOException.class, () -> open(full));
    assertTrue(e.getMessage().startsWith("preallocating " + dir.resolve("readings").resolve("seg-0001.mast") + " failed at byte 4096 of "
        + SEGMENT + ": No space left on device; the store needs 65536 more bytes in " + dir.resolve("readings")), e.getMessage());
    assertTrue(e.getMessage().endsWith("free; the files this start made were removed"), e.getMessage());
    assertEquals(List.of(), segmentFiles(), "no partial segment fills the partition");

    // an existing store grown by a larger capacity: the new slots go, the old ones keep their size and records
    RingStore s = open(DurableFiles.real());
    appendRange(s, 1, 300);
    s.close();
    List<String> before = segmentFiles();
    FaultyFiles filling = new FaultyFiles();
    filling.failWritesFrom(6, "No space left on device");
    assertThrows(IOException.class, () -> open(filling, 8 * SEGMENT));
    assertEquals(before, segmentFiles());
    assertHolds(open(DurableFiles.real()), 1, 300);
  }

  @Test
  void recordsReadBackInOrderAfterReopen() throws IOException {
    RingStore s = open(DurableFiles.real());
    assertEquals(RECORD, RecordFormat.recordBytes(Payloads.readings(List.of(reading(1))).remaining()));
    appendRange(s, 1, 500);
    s.append(List.of(reading(501), reading(502)));
    s.close();
    RingStore again = open(DurableFiles.real());
    List<StoredRecord> all = again.read(1, Integer.MAX_VALUE);
    assertEquals(501, all.size());
    assertEquals(List.of(reading(501), reading(502)), all.get(500).readings());
    assertEquals(List.of(reading(250)), again.read(250, 1).get(0).readings());
    assertEquals(List.of(reading(1)), again.read(0, 1).get(0).readings());
    assertEquals(502, again.append(reading(503)).seq());
  }

  @Test
  void appendsBecomeDurableAtTheSyncIntervalWithOneForcePerCommit() throws Exception {
    FaultyFiles files = new FaultyFiles();
    RingStore s = open(files);
    int forcesAtOpen = files.forces();
    List<RingStore.Receipt> receipts = appendRange(s, 1, 400);
    scheduler.advance(Duration.ofMillis(999));
    assertFalse(receipts.get(0).durable().isDone(), "not durable before the interval");
    assertEquals(0, s.read(1, 10).size(), "reads return durable records only");
    assertEquals(forcesAtOpen, files.forces());
    scheduler.advance(Duration.ofMillis(1));
    for (RingStore.Receipt r : receipts) {
      assertTrue(r.durable().isDone());
      r.durable().get();
    }
    assertEquals(forcesAtOpen + 1, files.forces(), "one fdatasync for 400 appends");
    assertEquals(1, s.stats().syncs());
    assertEquals(400, s.read(1, 1000).size());
    scheduler.advance(Duration.ofSeconds(10));
    assertEquals(forcesAtOpen + 1, files.forces(), "an idle store does not sync");
  }

  @Test
  void pagesAreWrittenWholeAndPageAligned() throws IOException {
    FaultyFiles files = new FaultyFiles();
    RingStore s = open(files);
    int before = files.unforced().size();
    appendRange(s, 1, 300);
    scheduler.advance(Duration.ofSeconds(1));
    appendRange(s, 301, 310);
    List<FaultyFiles.Write> writes = files.unforced().subList(before, files.unforced().size());
    for (FaultyFiles.Write w : writes) {
      assertEquals(0, w.position() % SegmentRing.PAGE, "write at " + w.position());
      assertEquals(0, w.after().length % SegmentRing.PAGE, "write of " + w.after().length);
    }
  }

  @Test
  void powerCutBeforeFsyncLosesOnlyTheUnsyncedTail() throws IOException {
    FaultyFiles files = new FaultyFiles();
    RingStore s = open(files);
    appendRange(s, 1, 300);
    scheduler.advance(Duration.ofSeconds(1));
    List<RingStore.Receipt> unsynced = appendRange(s, 301, 700);
    files.crashBeforeForce(0);
    scheduler.advance(Duration.ofSeconds(1));
    assertTrue(unsynced.get(0).durable().isCompletedExceptionally(), "the batch's future fails");
    files.powerCut();

    RingStore again = open(new FaultyFiles());
    assertHolds(again, 1, 300);
    assertEquals(301, again.append(reading(301)).seq(), "appends go on after the last durable record");
  }

  @Test
  void crashAfterFsyncKeepsTheWholeBatch() throws IOException {
    FaultyFiles files = new FaultyFiles();
    RingStore s = open(files);
    List<RingStore.Receipt> receipts = appendRange(s, 1, 500);
    files.crashAfterForce(0);
    scheduler.advance(Duration.ofSeconds(1));
    assertFalse(receipts.get(0).durable().isDone() && !receipts.get(0).durable().isCompletedExceptionally(),
        "the process died before it could say so");
    files.powerCut();

    RingStore again = open(new FaultyFiles());
    assertHolds(again, 1, 500);
  }

  @Test
  void tornRecordAtTheTailIsDiscarded() throws IOException {
    FaultyFiles files = new FaultyFiles();
    RingStore s = open(files);
    appendRange(s, 1, 100);
    scheduler.advance(Duration.ofSeconds(1));
    appendRange(s, 101, 110);
    // The commit rewrites the last page from its start: offset 64 + 100 records is durable; the
    // torn write ends 3 records and 10 bytes into the new ones.
    files.tearWrite(0, 64 + 103 * RECORD + 10);
    scheduler.advance(Duration.ofSeconds(1));
    files.powerCut(w -> true);

    RingStore again = open(new FaultyFiles());
    assertHolds(again, 1, 103);
    assertEquals(1, again.stats().readings().truncatedTails());
    appendRange(again, 104, 120);
    again.close();
    RingStore third = open(new FaultyFiles());
    assertHolds(third, 1, 120);
    assertEquals(0, third.stats().readings().truncatedTails(), "the torn bytes were overwritten");
  }

  @Test
  void staleRecordsBeyondALostTailNeverComeBack() throws IOException {
    FaultyFiles files = new FaultyFiles();
    RingStore s = open(files);
    appendRange(s, 1, 100);
    scheduler.advance(Duration.ofSeconds(1));
    appendRange(s, 101, 500);
    files.crashBeforeForce(0);
    scheduler.advance(Duration.ofSeconds(1));
    // The card kept the later pages of the lost batch but not its first one: page 0 is as it
    // was after record 100, pages 1.. hold records 145..500 (page 1 starts at record 145).
    files.powerCut(w -> w.position() > 0);
    long firstOfPage1 = (SegmentRing.PAGE - SegmentHeader.BYTES) / RECORD + 1;
    assertEquals(145, firstOfPage1);

    FaultyFiles second = new FaultyFiles();
    RingStore again = open(second);
    assertHolds(again, 1, 100);
    // New records land where the lost ones were, byte for byte the same size. Page 0 fills and
    // is written; then the process dies without a commit (kill -9: the page cache survives).
    appendRange(again, 101, 200);
    second.powerCut(w -> true);

    RingStore third = open(new FaultyFiles());
    assertHolds(third, 1, firstOfPage1 - 1);
    assertEquals(1, third.stats().readings().truncatedTails(),
        "record 145 of the older epoch ends the data instead of following 144");
  }

  @Test
  void tornCursorSlotFallsBackToTheCursorBefore() throws IOException {
    FaultyFiles files = new FaultyFiles();
    RingStore s = open(files);
    appendRange(s, 1, 50);
    scheduler.advance(Duration.ofSeconds(1));
    assertTrue(s.ack(10));
    scheduler.advance(Duration.ofSeconds(1));
    assertTrue(s.ack(20));
    files.tearWrite(0, 20);
    scheduler.advance(Duration.ofSeconds(1));
    files.powerCut(w -> true);

    RingStore again = open(new FaultyFiles());
    assertEquals(10, again.stats().readings().ackedSeq());
    assertHolds(again, 1, 50);
  }

  @Test
  void lostStateResendsFromTheOldestRecordAndKeepsEveryRecord() throws IOException {
    RingStore s = open(DurableFiles.real());
    appendRange(s, 1, 50);
    scheduler.advance(Duration.ofSeconds(1));
    s.ack(40);
    s.close();
    Path state = dir.resolve("readings").resolve("state");
    flipByte(state, 20);
    flipByte(state, StateFile.SLOT + 20);

    RingStore again = open(DurableFiles.real());
    LaneStats stats = again.stats().readings();
    assertTrue(stats.stateLost());
    assertEquals(0, stats.ackedSeq(), "everything is sent again; the platform drops duplicates");
    assertTrue(stats.epoch() > 1, "the epoch continues past the records' own: " + stats.epoch());
    appendRange(again, 51, 60);
    again.close();
    RingStore third = open(DurableFiles.real());
    assertHolds(third, 1, 60);
    assertFalse(third.stats().readings().stateLost());
  }

  @Test
  void cursorNeverMovesBackwards() throws IOException {
    RingStore s = open(DurableFiles.real());
    appendRange(s, 1, 50);
    IllegalArgumentException notDurable = assertThrows(IllegalArgumentException.class, () -> s.ack(5));
    assertEquals("cannot acknowledge sequence 5 of the readings lane: only up to 0 is durable", notDurable.getMessage());
    scheduler.advance(Duration.ofSeconds(1));
    assertTrue(s.ack(30));
    assertFalse(s.ack(12), "an older acknowledgement changes nothing");
    assertFalse(s.ack(30));
    assertEquals(30, s.stats().readings().ackedSeq());
    s.close();
    RingStore again = open(DurableFiles.real());
    assertEquals(30, again.stats().readings().ackedSeq());
    assertFalse(again.ack(29));
    assertEquals(20, again.stats().readings().unackedRecords());
  }

  @Test
  void aRecordRottedAfterItsCommitIsAHoleCountedPerSegmentAndAppendsAndReadsGoOnAroundIt() throws IOException {
    RingStore s = open(DurableFiles.real());
    appendRange(s, 1, 100);
    scheduler.advance(Duration.ofSeconds(1)); // a group commit
    appendRange(s, 101, 200);
    scheduler.advance(Duration.ofSeconds(1)); // the next batch vouches for the first
    s.close();
    flipByte(dir.resolve("readings").resolve(SlotFiles.slotName(0)), SegmentHeader.BYTES + 49L * RECORD + 25);

    RingStore again = open(DurableFiles.real());
    LaneStats stats = again.stats().readings();
    assertEquals(1, stats.corruptRecords(), "record 50 only");
    assertEquals(java.util.Map.of(SlotFiles.slotName(0), 1L), stats.corruptBySegment());
    assertEquals(0, stats.truncatedTails(), "never called a power cut");
    assertEquals(199, stats.unackedRecords(), "199 records to send");
    List<StoredRecord> all = again.read(1, Integer.MAX_VALUE);
    assertEquals(199, all.size());
    assertTrue(all.stream().noneMatch(r -> r.seq() == 50));
    assertEquals(List.of(reading(51)), again.read(50, 1).get(0).readings(), "a read from inside the hole starts after it");
    assertEquals(201, again.append(reading(201)).seq(), "appends go on after the data, not at the hole");
    scheduler.advance(Duration.ofSeconds(1));
    again.close();
    RingStore third = open(DurableFiles.real());
    assertEquals(200, third.read(1, Integer.MAX_VALUE).size(), "the hole is found again, the new record kept");
  }

  @Test
  void corruptSegmentInTheMiddleIsSkippedAndCounted() throws IOException {
    RingStore s = open(DurableFiles.real(), 8 * SEGMENT);
    int perSegment = (SEGMENT - SegmentHeader.BYTES) / RECORD;
    appendRange(s, 1, 4L * perSegment);
    s.close();
    // flip one byte of record 1.5 segments in: the second segment's second half is lost
    long victim = perSegment + perSegment / 2;
    flipByte(dir.resolve("readings").resolve(SlotFiles.slotName(1)),
        SegmentHeader.BYTES + (victim - perSegment - 1) * RECORD + 23);

    RingStore again = open(DurableFiles.real(), 8 * SEGMENT);
    LaneStats stats = again.stats().readings();
    assertEquals(1, stats.damagedSegments());
    assertEquals(2L * perSegment - victim + 1, stats.corruptRecords());
    List<StoredRecord> all = again.read(0, Integer.MAX_VALUE);
    assertEquals(4L * perSegment - stats.corruptRecords(), all.size());
    for (StoredRecord r : all) {
      assertEquals(List.of(reading(r.seq())), r.readings(), "nothing corrupt is returned");
      assertTrue(r.seq() < victim || r.seq() > 2L * perSegment);
    }
    assertEquals(4L * perSegment + 1, again.append(reading(4L * perSegment + 1)).seq());
  }

  @Test
  void segmentWithACorruptHeaderIsSkippedAndCounted() throws IOException {
    RingStore s = open(DurableFiles.real(), 8 * SEGMENT);
    int perSegment = (SEGMENT - SegmentHeader.BYTES) / RECORD;
    appendRange(s, 1, 3L * perSegment);
    s.close();
    flipByte(dir.resolve("readings").resolve(SlotFiles.slotName(1)), 20);

    RingStore again = open(DurableFiles.real(), 8 * SEGMENT);
    LaneStats stats = again.stats().readings();
    assertEquals(perSegment, stats.corruptRecords(), "the segment before counts the gap");
    assertEquals(2, stats.damagedSegments(), "the bad header, and the gap it leaves");
    assertEquals(2L * perSegment, again.read(0, Integer.MAX_VALUE).size());
  }

  @Test
  void fullDiskIsReportedAndNothingStoredIsLost() throws IOException {
    FaultyFiles files = new FaultyFiles();
    RingStore s = open(files);
    appendRange(s, 1, 100);
    scheduler.advance(Duration.ofSeconds(1));
    files.failWritesFrom(0, "No space left on device");
    IOException full = assertThrows(IOException.class, () -> appendRange(s, 101, 400));
    assertEquals("No space left on device", full.getMessage());
    IOException refused = assertThrows(IOException.class, () -> s.append(reading(999)));
    assertTrue(refused.getMessage().startsWith("store failed earlier and takes no more appends"), refused.getMessage());
    assertHolds(s, 1, 100);
    files.powerCut();

    RingStore again = open(new FaultyFiles());
    assertHolds(again, 1, 100);
  }

  @Test
  void fullStoreEvictsTheOldestSegmentAndCountsUnsentReadingsPerChannel() throws IOException {
    RingStore s = open(DurableFiles.real());
    int perSegment = (SEGMENT - SegmentHeader.BYTES) / RECORD;
    appendRange(s, 1, 4L * perSegment);
    scheduler.advance(Duration.ofSeconds(1));
    s.ack(100);
    appendRange(s, 4L * perSegment + 1, 4L * perSegment + 1);
    LaneStats stats = s.stats().readings();
    long lost = perSegment - 100;
    assertEquals(lost, stats.evictedRecords());
    Map<Integer, Long> expected = new java.util.TreeMap<>();
    for (long seq = 101; seq <= perSegment; seq++) {
      expected.merge((int) (seq % 3), 1L, Long::sum);
    }
    assertEquals(expected, stats.evicted());
    assertEquals(perSegment + 1, stats.firstSeq());
    scheduler.advance(Duration.ofSeconds(1));
    s.close();

    RingStore again = open(DurableFiles.real());
    assertEquals(expected, again.stats().readings().evicted(), "eviction counts survive a restart");
    assertEquals(perSegment + 1, again.read(0, 1).get(0).seq());
  }

  @Test
  void alarmsForceAnImmediateSyncAndSurviveEvictionOfReadings() throws Exception {
    RingStore s = open(DurableFiles.real());
    List<RingStore.Receipt> readings = appendRange(s, 1, 10);
    AlarmEvent alarm = new AlarmEvent(2, true, 350, new Reading(1, 1_700_000_100L, 412));
    RingStore.Receipt r = s.appendAlarm(alarm);
    assertEquals(1, r.seq());
    scheduler.runDue();
    assertTrue(r.durable().isDone(), "no waiting for the sync interval");
    assertTrue(readings.get(9).durable().isDone(), "readings before the alarm are made durable with it");
    appendRange(s, 11, 5000);
    scheduler.advance(Duration.ofSeconds(1));
    assertTrue(s.stats().readings().evictedRecords() > 0);
    assertEquals(List.of(new StoredAlarm(1, alarm)), s.readAlarms(0, 10));
    s.close();
    RingStore again = open(DurableFiles.real());
    assertEquals(List.of(new StoredAlarm(1, alarm)), again.readAlarms(0, 10));
    assertEquals(0, again.stats().alarms().evictedRecords());
  }

  @Test
  void readOnlyOpenRecoversWithoutWritingAnything() throws IOException {
    RingStore s = open(DurableFiles.real());
    appendRange(s, 1, 100);
    s.close();
    Path segment = dir.resolve("readings").resolve(SlotFiles.slotName(0));
    byte[] before = Files.readAllBytes(segment);
    byte[] stateBefore = Files.readAllBytes(dir.resolve("readings").resolve("state"));
    try (RingStore ro = RingStore.openReadOnly(dir)) {
      assertHolds(ro, 1, 100);
      assertThrows(IllegalStateException.class, () -> ro.append(reading(101)));
    }
    assertEquals(java.util.Arrays.toString(before), java.util.Arrays.toString(Files.readAllBytes(segment)));
    assertEquals(java.util.Arrays.toString(stateBefore),
        java.util.Arrays.toString(Files.readAllBytes(dir.resolve("readings").resolve("state"))));
  }

  @Test
  void badSettingsAreRefusedWithTheirValues() {
    IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
        () -> RingStore.builder(dir).capacityBytes(SEGMENT).segmentBytes(SEGMENT).open());
    assertEquals("segment capacity 16384 bytes is less than two 16384-byte segments", small.getMessage());
    IllegalArgumentException odd = assertThrows(IllegalArgumentException.class,
        () -> RingStore.builder(dir).segmentBytes(10_000).open());
    assertEquals("segment size 10000 bytes is not a multiple of 4096 between 8192 and 1073741824", odd.getMessage());
    IllegalArgumentException sync = assertThrows(IllegalArgumentException.class,
        () -> RingStore.builder(dir).syncInterval(Duration.ZERO).open());
    assertEquals("sync interval 0 ms is outside 1..3600000 ms", sync.getMessage());
  }

  @Test
  void aSecondProcessCannotOpenTheSameStore() throws IOException {
    RingStore s = RingStore.builder(dir).capacityBytes(4 * SEGMENT).scheduler(scheduler).open();
    opened.add(s);
    IOException locked = assertThrows(IOException.class,
        () -> RingStore.builder(dir).capacityBytes(4 * SEGMENT).scheduler(scheduler).open());
    assertTrue(locked.getMessage().startsWith(dir + " is in use by another Mast process (process " + ProcessHandle.current().pid() + ", "),
        locked.getMessage());
    IOException check = assertThrows(IOException.class, () -> RingStore.checkNotInUse(dir));
    assertEquals(locked.getMessage(), check.getMessage());
    s.close();
    RingStore.checkNotInUse(dir);
  }

  @Test
  void futuresOfAFailedCommitFailAndTheStoreRefusesAppends() throws IOException {
    FaultyFiles files = new FaultyFiles();
    RingStore s = open(files);
    RingStore.Receipt r = s.append(reading(1));
    files.failWritesFrom(0, "I/O error");
    scheduler.advance(Duration.ofSeconds(1));
    ExecutionException e = assertThrows(ExecutionException.class, () -> r.durable().get());
    assertEquals("I/O error", e.getCause().getMessage());
    assertThrows(IOException.class, () -> s.append(reading(2)));
  }

  static void flipByte(Path file, long position) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, position);
      b.put(0, (byte) (b.get(0) ^ 0x5A));
      ch.write(b.clear(), position);
    }
  }
}

package io.mast.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.protocol.Reading;
import io.mast.seams.ManualScheduler;
import io.mast.store.internal.SegmentHeader;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SD cards flip bits. A flipped bit inside a committed record must cost that record only, counted
 * as corrupt, never everything after it as a "torn tail": every bit of a small store is flipped
 * in turn and the store opened again.
 */
class BitRotTest {
  private static final int RECORDS = 24;

  @TempDir
  Path dir;

  private static List<Reading> batch(int i) {
    return List.of(new Reading(0, 1_770_000_000L + 10L * i, 100 + i), new Reading(1, 1_770_000_000L + 10L * i, 7 * i));
  }

  /** Every stored record's readings, by sequence number order, and the store's corrupt and torn counts. */
  private record Opened(List<List<Reading>> records, long corrupt, int torn, List<Long> seqs) {}

  private Opened open() throws IOException {
    try (RingStore store = RingStore.openReadOnly(dir)) {
      List<List<Reading>> records = new ArrayList<>();
      List<Long> seqs = new ArrayList<>();
      for (StoredRecord r : store.read(1, 1000)) {
        records.add(r.readings());
        seqs.add(r.seq());
      }
      LaneStats lane = store.stats().readings();
      return new Opened(records, lane.corruptRecords(), lane.truncatedTails(), seqs);
    }
  }

  private static void flip(Path file, long bit) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(bit / 8);
      int b = f.read();
      f.seek(bit / 8);
      f.write(b ^ (1 << (bit % 8)));
    }
  }

  @Test
  void aFlippedBitCostsAtMostTheRecordHoldingItCountedAsCorruptAndEverythingAfterItStays() throws IOException {
    long[] ends = new long[RECORDS];
    try (ManualScheduler time = new ManualScheduler();
         RingStore store = RingStore.builder(dir).capacityBytes(4 * 8192).segmentBytes(8192).scheduler(time).open()) {
      long at = SegmentHeader.BYTES;
      for (int i = 0; i < RECORDS; i++) {
        store.append(batch(i));
        at += RingStore.recordBytes(batch(i));
        ends[i] = at;
        if (i % 3 == 2) {
          store.sync(); // batches of three records, each a group commit
        }
      }
      store.sync();
    }
    Path segment = dir.resolve("readings").resolve("seg-0000.mast");
    long firstByte = SegmentHeader.BYTES;
    long lastByte = ends[RECORDS - 1] + 20; // the records, and the zeros after them
    int flips = 0;
    int lostRecords = 0;
    int cutAsTorn = 0;
    for (long bit = firstByte * 8; bit < lastByte * 8; bit++) {
      flip(segment, bit);
      Opened o = open();
      flip(segment, bit);
      flips++;
      long byteAt = bit / 8;
      int holder = -1;
      for (int i = 0; i < RECORDS; i++) {
        if (byteAt < ends[i]) {
          holder = i;
          break;
        }
      }
      int lost = RECORDS - o.records().size();
      lostRecords += lost;
      String where = "bit " + bit + " (byte " + byteAt + ", record " + (holder + 1) + ")";
      if (holder < 0) {
        assertEquals(0, lost, where + ": a bit in the zeros after the data costs nothing");
        continue;
      }
      int newestBatch = RECORDS - 3;
      if (holder >= newestBatch) {
        assertTrue(lost <= RECORDS - holder, where + ": " + lost + " records lost");
        assertEquals(RECORDS - lost, o.records().size());
        for (int i = 0; i < o.records().size(); i++) {
          assertEquals(batch(i), o.records().get(i), where + ": record " + (i + 1) + " intact");
        }
        cutAsTorn += lost > 0 ? 1 : 0;
        continue;
      }
      assertTrue(lost <= 1, where + ": " + lost + " records lost");
      for (int i = 0, j = 0; i < RECORDS; i++) {
        if (lost == 1 && i == holder) {
          continue;
        }
        assertEquals(batch(i), o.records().get(j), where + ": record " + (i + 1) + " intact");
        assertEquals(i + 1, o.seqs().get(j), where);
        j++;
      }
      if (holder < RECORDS - 3) {
        assertEquals(lost, o.corrupt(), where + ": the lost record is counted as corrupt");
        assertEquals(0, o.torn(), where + ": and never called a torn tail");
      }
    }
    // no later commit vouches for the newest batch: a damaged record there cannot be told from a
    // write the power cut tore, and the data ends at it, the rest of its batch with it
    System.out.println("bit rot: " + flips + " bits flipped one at a time over " + RECORDS + " records in batches of 3; "
        + lostRecords + " records lost in all; " + cutAsTorn + " flips fell in the newest batch and cut it as a torn tail");
    assertEquals(RECORDS, open().records().size(), "the store is whole again once the bit is back");
  }
}

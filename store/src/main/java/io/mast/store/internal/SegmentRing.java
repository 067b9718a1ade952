package io.mast.store.internal;

import io.mast.seams.DurableFiles;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.tinylog.Logger;

/**
 * One lane of the ring store: preallocated segment files used in rotation, a {@link StateFile},
 * and the recovery that rebuilds the lane from them at open.
 *
 * <p>Over 400 lines because recovery, rotation with eviction and reads all walk the same segment
 * list, sequence numbers and cursors, whose invariants hold only together; the files live in
 * {@link SlotFiles}, the byte-level parts in {@link PageWriter}, {@link RecordReader},
 * {@link SegmentHeader} and {@link StateFile}.
 *
 * <p>Files: {@code seg-0000.mast} ... one per slot, each exactly the segment size, and
 * {@code state}. A segment starts with a {@link SegmentHeader}; records ({@link RecordFormat})
 * follow. Generations order the slots; the newest is the head, where appends go.
 *
 * <p>Writes go through a {@link PageWriter}; nothing here forces segment files: the caller
 * forces {@link #takeDirty()} and then calls {@link #markDurable(long)}.
 *
 * <p>Recovery at open: every slot header is read; valid segments are ordered by generation.
 * Segments wholly at or below the acknowledged cursor are taken on their header and scanned only
 * if read; the others are scanned record by record. Where a record is not the next sequence
 * number of a non-decreasing epoch with a good CRC, the scan looks further on for a whole record
 * with a later sequence number whose batch, or the next, was appended when the missing record
 * was already durable (the records' commit lag, {@link RecordFormat}): then the bytes were
 * damaged after their commit (bit rot), the missing records become a hole of the segment
 * ({@link Segment.Hole}), counted as corrupt, and the data goes on after it. Without that proof
 * the point is where the data ends: in the head segment the new end (a torn tail is counted); in
 * an older segment the records up to the next segment's first sequence number are counted as
 * corrupt and skipped. A damaged record in the newest batch therefore ends the data there, the
 * rest of that batch with it: nothing later vouches that it was committed.
 *
 * <p>Not thread safe: the ring store calls it under its lock, except {@link #writeState} and the
 * forcing of files, which the sync thread does outside it.
 */
public final class SegmentRing implements Closeable {
  public static final int PAGE = PageWriter.PAGE;
  public static final int MIN_SEGMENT = 2 * PAGE;

  /** The two lanes; each has its own directory under the store directory. */
  public enum Lane {
    READINGS, ALARMS;

    String dirName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Adds the readings of one payload to per-channel counts, for eviction accounting. */
  public interface ChannelCounter {
    void count(ByteBuffer payload, Map<Integer, Long> counts) throws IOException;
  }

  /** Receives records read back. */
  public interface RecordSink {
    void accept(long seq, ByteBuffer payload) throws IOException;
  }

  /**
   * Figures found at open and counted since; {@code corruptBySegment} names each segment file
   * where recovery skipped corrupt records, with how many.
   */
  public record Counts(long corruptRecords, int damagedSegments, int truncatedTails, boolean stateLost,
      long bytesWritten, long evictedRecords, Map<String, Long> corruptBySegment) {}

  private final Path dir;
  private final Lane lane;
  private final int segmentBytes;
  private final ChannelCounter counter;
  private final DurableFiles.DurableFile[] slots;
  private final boolean[] used;
  private final StateFile stateFile;
  private final ArrayDeque<Segment> segments = new ArrayDeque<>();
  private final Map<Integer, Long> evicted;
  private final PageWriter writer;
  private final RecordReader reader;

  private Segment head;
  private boolean sealed;
  private long maxGeneration;
  private long nextSeq;
  private long durableSeq;
  private long acked;
  private int epoch;
  private long stateVersion;
  private boolean stateDirty;
  private long corruptRecords;
  private int damagedSegments;
  private int truncatedTails;
  private boolean stateLost;
  private long evictedRecords;

  private SegmentRing(Path dir, Lane lane, int segmentBytes, ChannelCounter counter,
      DurableFiles.DurableFile[] slots, StateFile stateFile, StateFile.Read state) {
    this.dir = dir;
    this.lane = lane;
    this.segmentBytes = segmentBytes;
    this.counter = counter;
    this.slots = slots;
    this.used = new boolean[slots.length];
    this.stateFile = stateFile;
    this.reader = new RecordReader(segmentBytes);
    this.writer = new PageWriter(segmentBytes);
    this.acked = state.state().acked();
    this.epoch = state.state().epoch();
    this.evicted = new TreeMap<>(state.state().evicted());
    this.stateLost = state.lost();
  }

  /**
   * Opens (creating or extending as needed) the lane in {@code dir} for appends, recovers it,
   * persists the next epoch and forces every slot, so what recovery found is durable.
   * {@code slotCount} slots are preallocated; more are kept if the directory has more, so that
   * lowering the capacity never drops stored data.
   */
  public static SegmentRing openForWriting(DurableFiles files, Path dir, Lane lane, int segmentBytes, int slotCount,
      ChannelCounter counter) throws IOException {
    DurableFiles.DurableFile[] slots = SlotFiles.openForWriting(files, dir, segmentBytes, slotCount);
    StateFile stateFile = StateFile.openForWriting(files, dir.resolve("state"));
    SegmentRing ring = new SegmentRing(dir, lane, segmentBytes, counter, slots, stateFile, stateFile.opened());
    try {
      ring.recover();
      ring.startWriting();
    } catch (IOException | RuntimeException e) {
      ring.close();
      throw e;
    }
    return ring;
  }

  /** Opens the lane in {@code dir} read-only: recovery runs but nothing is written. */
  public static SegmentRing openReadOnly(DurableFiles files, Path dir, Lane lane, ChannelCounter counter) throws IOException {
    SlotFiles.ReadOnly found = SlotFiles.openReadOnly(files, dir, MIN_SEGMENT);
    StateFile.Read state = StateFile.readOnly(files, dir.resolve("state"));
    SegmentRing ring = new SegmentRing(dir, lane, found.segmentBytes(), counter, found.slots(), null, state);
    try {
      ring.recover();
    } catch (IOException | RuntimeException e) {
      ring.close();
      throw e;
    }
    return ring;
  }

  // ---------------------------------------------------------------- recovery

  private void recover() throws IOException {
    List<Segment> found = new ArrayList<>();
    ByteBuffer header = ByteBuffer.allocate(SegmentHeader.BYTES);
    for (int slot = 0; slot < slots.length; slot++) {
      if (slots[slot] == null || slots[slot].size() < SegmentHeader.BYTES) {
        continue;
      }
      header.clear();
      slots[slot].readFully(header, 0);
      switch (SegmentHeader.kind(header)) {
        case UNUSED -> { }
        case CORRUPT -> damagedSegment(slot, "its header fails its CRC");
        case VALID -> {
          SegmentHeader h = SegmentHeader.decode(header, dir.resolve(SlotFiles.slotName(slot)).toString());
          if (h.lane() != lane.ordinal() || h.segmentBytes() != segmentBytes || h.firstSeq() < 1) {
            damagedSegment(slot, "its header names lane " + h.lane() + ", " + h.segmentBytes() + "-byte segments");
          } else {
            found.add(new Segment(slot, h.generation(), h.firstSeq()));
          }
        }
      }
    }
    found.sort((a, b) -> Long.compare(a.generation, b.generation));
    for (Segment s : found) {
      maxGeneration = Math.max(maxGeneration, s.generation);
      if (!segments.isEmpty() && s.firstSeq <= segments.peekLast().firstSeq) {
        damagedSegment(s.slot, "its first sequence " + s.firstSeq + " does not follow "
            + segments.peekLast().firstSeq + " of the generation before it");
        continue;
      }
      segments.addLast(s);
      used[s.slot] = true;
    }
    int maxEpoch = 0;
    Segment[] ordered = segments.toArray(new Segment[0]);
    for (int i = 0; i < ordered.length; i++) {
      Segment s = ordered[i];
      boolean isHead = i == ordered.length - 1;
      long limitSeq = isHead ? Long.MAX_VALUE : ordered[i + 1].firstSeq;
      if (!isHead && limitSeq - 1 <= acked) {
        s.endSeq = limitSeq;
        s.endPos = segmentBytes;
        continue;
      }
      maxEpoch = Math.max(maxEpoch, scan(s, limitSeq, isHead));
    }
    head = segments.peekLast();
    nextSeq = Math.max(Math.max(1, acked + 1), head == null ? 1 : head.endSeq);
    sealed = head != null && head.endSeq != nextSeq;
    durableSeq = nextSeq - 1;
    epoch = Math.max(epoch, maxEpoch);
  }

  /**
   * Scans segment {@code s} from its first record and sets its end; returns the highest epoch
   * seen. Records must number on from the header's first sequence, below {@code limitSeq}, with
   * epochs that never decrease.
   */
  private int scan(Segment s, long limitSeq, boolean isHead) throws IOException {
    RecordReader r = reader(s.slot, SegmentHeader.BYTES);
    long expected = s.firstSeq;
    int lastEpoch = 0;
    s.indexed = 0;
    s.holes.clear();
    RecordReader.Step step;
    while (true) {
      long at = r.position();
      step = r.next();
      if (step == RecordReader.Step.RECORD && r.seq() == expected && r.epoch() >= lastEpoch && expected < limitSeq) {
        lastEpoch = r.epoch();
        s.indexIfDue(expected, r.recordPosition());
        expected++;
        s.endPos = r.position();
        continue;
      }
      if (expected >= limitSeq) {
        step = RecordReader.Step.END;
        break;
      }
      // Not the next record. If a whole record of this epoch or a later one, with a later sequence
      // number, follows, and was appended when the missing one was already durable (its commit
      // lag says so), the bytes here were damaged after their commit (bit rot): skip them.
      // Otherwise this is where the data ends: cleanly, or torn by a power cut.
      if (r.resync(at + 1, expected, limitSeq, lastEpoch) && provesDurable(r, expected)) {
        long resumePos = r.position();
        r.next();
        long resumeSeq = r.seq();
        r.seek(slots[s.slot], resumePos);
        s.holes.add(new Segment.Hole(expected, resumeSeq, resumePos));
        long lost = resumeSeq - expected;
        corruptRecords += lost;
        Logger.warn("{} {}: record{} {}{} at byte {} {} corrupt (bit rot, not a power cut: the records after {} are whole);"
            + " skipped and counted", lane.dirName(), SlotFiles.slotName(s.slot), lost == 1 ? "" : "s", expected,
            lost == 1 ? "" : ".." + (resumeSeq - 1), at, lost == 1 ? "is" : "are", lost == 1 ? "it" : "them");
        expected = resumeSeq;
        continue;
      }
      if (step == RecordReader.Step.RECORD) {
        step = RecordReader.Step.BAD; // whole, but not the record that follows (sequence or epoch)
      }
      break;
    }
    s.endSeq = expected;
    s.scanned = true;
    if (isHead) {
      if (step == RecordReader.Step.BAD) {
        truncatedTails++;
        Logger.warn("{} {}: the tail after sequence {} is torn or stale (a crash or power cut before the last commit); appends go on from {}",
            lane.dirName(), SlotFiles.slotName(s.slot), expected - 1, expected);
      }
    } else if (expected < limitSeq) {
      long lost = limitSeq - expected;
      corruptRecords += lost;
      damagedSegments++;
      Logger.warn("{} {}: records {}..{} are corrupt or missing; {} skipped", lane.dirName(), SlotFiles.slotName(s.slot),
          expected, limitSeq - 1, lost);
    }
    return lastEpoch;
  }

  /**
   * Whether the whole records from where {@code r} is positioned on (the rest of their batch, then
   * the next batch) show that {@code seq} was durable: one of them was appended when it was.
   * Leaves {@code r} where it was.
   */
  private static boolean provesDurable(RecordReader r, long seq) throws IOException {
    long at = r.position();
    boolean proof = false;
    for (long expected = -1; !proof && r.next() == RecordReader.Step.RECORD && (expected < 0 || r.seq() == expected); ) {
      proof = r.durableAtAppend() >= seq;
      expected = r.seq() + 1;
    }
    r.seekWithin(at);
    return proof;
  }

  private void damagedSegment(int slot, String why) {
    damagedSegments++;
    Logger.warn("{} {} is skipped: {}", lane.dirName(), SlotFiles.slotName(slot), why);
  }

  private RecordReader reader(int slot, long position) {
    reader.seek(slots[slot], position);
    return reader;
  }

  /** Persists the next epoch, forces what recovery found, and loads the head's last page. */
  private void startWriting() throws IOException {
    epoch++;
    stateVersion++;
    writeState(snapshot());
    for (DurableFiles.DurableFile slot : slots) {
      slot.force();
    }
    if (head != null && !sealed) {
      writer.resume(slots[head.slot], head.endPos);
      if (truncatedTails > 0) {
        writer.markTailDirty();
        writer.flushTail();
        for (DurableFiles.DurableFile f : takeDirty()) {
          f.force();
        }
      }
    }
  }

  // ---------------------------------------------------------------- appends

  /** Largest payload one record of this lane can carry. */
  public int maxPayload() {
    return Math.min(RecordFormat.MAX_PAYLOAD, segmentBytes - SegmentHeader.BYTES - RecordFormat.HEADER);
  }

  /** Adds a record; returns its sequence number. Full pages are written, nothing is forced. */
  public long append(ByteBuffer payload) throws IOException {
    int length = payload.remaining();
    if (length < 1 || length > maxPayload()) {
      throw new IllegalArgumentException("a record payload of " + length + " bytes is outside 1.."
          + maxPayload() + " for " + segmentBytes + "-byte segments");
    }
    if (head == null || sealed || writer.room() < RecordFormat.recordBytes(length)) {
      rotate();
    }
    head.indexIfDue(nextSeq, writer.end());
    writer.append(nextSeq, epoch, payload, durableSeq);
    head.endPos = writer.end();
    long seq = nextSeq++;
    head.endSeq = nextSeq;
    return seq;
  }

  /** Writes the partial last page, zero-padded past the last record, if anything was appended since. */
  public void flushTail() throws IOException {
    writer.flushTail();
  }

  /** Starts a new head segment in a free slot, or in the oldest one after evicting it. */
  private void rotate() throws IOException {
    if (head != null && !sealed) {
      writer.flushTail();
    }
    int slot = freeSlot();
    if (slot < 0) {
      Segment victim = segments.removeFirst();
      evict(victim);
      slot = victim.slot;
    }
    Segment s = new Segment(slot, ++maxGeneration, nextSeq);
    s.scanned = true;
    segments.addLast(s);
    used[slot] = true;
    head = s;
    sealed = false;
    writer.startSegment(slots[slot], new SegmentHeader(lane.ordinal(), segmentBytes, s.generation, s.firstSeq));
  }

  private int freeSlot() {
    for (int i = 0; i < used.length; i++) {
      if (!used[i]) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Counts the unacknowledged readings of the oldest segment per channel and persists the counts
   * (forced) before its slot is reused: after a power cut the loss is reported, never hidden.
   */
  private void evict(Segment victim) throws IOException {
    used[victim.slot] = false;
    if (victim.endSeq - 1 <= acked) {
      return;
    }
    Map<Integer, Long> lost = new HashMap<>();
    long first = Math.max(victim.firstSeq, acked + 1);
    long records = victim.endSeq - first;
    read(victim, first, Integer.MAX_VALUE, Long.MAX_VALUE, (seq, payload) -> {
      try {
        counter.count(payload, lost);
      } catch (IOException e) {
        lost.merge(StateFile.OTHER_CHANNEL, 1L, Long::sum);
      }
    });
    lost.forEach((channel, n) -> evicted.merge(channel, n, Long::sum));
    evictedRecords += records;
    Logger.warn("{}: the store is full; evicted {} unacknowledged records ({}..{}) of {}", lane.dirName(),
        records, first, victim.endSeq - 1, SlotFiles.slotName(victim.slot));
    stateVersion++;
    writeState(snapshot());
  }

  // ---------------------------------------------------------------- reads

  /**
   * Passes up to {@code max} records from {@code fromSeq} on, none past {@code upTo}, to
   * {@code sink}; returns how many. Records evicted since are skipped. A record that no longer
   * reads back is counted as corrupt, with the rest of its segment, and skipped.
   */
  public int read(long fromSeq, int max, long upTo, RecordSink sink) throws IOException {
    int n = 0;
    for (Segment s : segments.toArray(new Segment[0])) {
      if (n >= max || s.firstSeq > upTo) {
        break;
      }
      if (s.endSeq > fromSeq) {
        n += read(s, Math.max(fromSeq, s.firstSeq), max - n, upTo, sink);
      }
    }
    return n;
  }

  private int read(Segment s, long from, int max, long upTo, RecordSink sink) throws IOException {
    if (!s.scanned) {
      scan(s, s.endSeq, false);
    }
    if (from >= s.endSeq) {
      return 0;
    }
    int k = s.indexFor(from);
    long seq = k >= 0 ? s.indexSeq[k] : s.firstSeq;
    RecordReader r = reader(s.slot, k >= 0 ? s.indexPos[k] : SegmentHeader.BYTES);
    int n = 0;
    while (seq < s.endSeq && seq <= upTo && n < max) {
      Segment.Hole hole = s.holeAt(seq);
      if (hole != null) {
        r.seek(slots[s.slot], hole.resumePos());
        seq = hole.toSeq();
        continue;
      }
      if (r.next() != RecordReader.Step.RECORD || r.seq() != seq) {
        long lost = s.endSeq - seq;
        corruptRecords += lost;
        Logger.warn("{} {}: record {} no longer reads back; {} records skipped", lane.dirName(),
            SlotFiles.slotName(s.slot), seq, lost);
        s.endSeq = seq;
        sealed |= s == head;
        break;
      }
      if (seq >= from) {
        sink.accept(seq, r.payload());
        n++;
      }
      seq++;
    }
    return n;
  }

  /** Counts a record whose CRC held but whose payload does not decode (left out of a read). */
  public void undecodable(long seq, IOException why) {
    corruptRecords++;
    Logger.warn("{} record {} is left out: {}", lane.dirName(), seq, why.getMessage());
  }

  // ---------------------------------------------------------------- cursor, state, sync

  /** Moves the acknowledged cursor to {@code seq}; false if it is not ahead. */
  public boolean ack(long seq) {
    if (seq > durableSeq) {
      throw new IllegalArgumentException("cannot acknowledge sequence " + seq + " of the " + lane.dirName()
          + " lane: only up to " + durableSeq + " is durable");
    }
    if (seq <= acked) {
      return false;
    }
    acked = seq;
    stateVersion++;
    stateDirty = true;
    return true;
  }

  /** The state to persist at this sync, or null if it has not changed since the last one. */
  public StateFile.State takeStateIfDirty() {
    if (!stateDirty) {
      return null;
    }
    stateDirty = false;
    return snapshot();
  }

  private StateFile.State snapshot() {
    return new StateFile.State(stateVersion, acked, epoch, evicted);
  }

  /** Writes and forces a state; may run outside the caller's lock (the file orders writes). */
  public void writeState(StateFile.State state) throws IOException {
    stateFile.write(state);
    writer.countWritten(StateFile.SLOT);
  }

  /** The files written since the last call; the caller forces them. */
  public List<DurableFiles.DurableFile> takeDirty() {
    return writer.takeDirty();
  }

  public void markDurable(long seq) {
    durableSeq = Math.max(durableSeq, seq);
  }

  // ---------------------------------------------------------------- figures

  public long firstSeq() {
    return segments.isEmpty() ? nextSeq : segments.peekFirst().firstSeq;
  }

  public long lastSeq() {
    return nextSeq - 1;
  }

  public long durableSeq() {
    return durableSeq;
  }

  public long acked() {
    return acked;
  }

  public int epoch() {
    return epoch;
  }

  public int segmentBytes() {
    return segmentBytes;
  }

  public int slotCount() {
    return slots.length;
  }

  public int segmentsInUse() {
    return segments.size();
  }

  public long usedBytes() {
    long used = 0;
    for (Segment s : segments) {
      used += s.endPos;
    }
    return used;
  }

  /** Records retained: the sum over segments of their sequence spans, less the corrupt ones skipped. */
  public long records() {
    long n = 0;
    for (Segment s : segments) {
      n += s.endSeq - s.firstSeq - s.corrupt();
    }
    return n;
  }

  /** Corrupt records skipped (in holes) with sequence numbers above {@code seq}. */
  public long corruptAbove(long seq) {
    long n = 0;
    for (Segment s : segments) {
      for (Segment.Hole h : s.holes) {
        n += Math.max(0, h.toSeq() - Math.max(h.fromSeq(), seq + 1));
      }
    }
    return n;
  }

  public Map<Integer, Long> evicted() {
    return Map.copyOf(evicted);
  }

  public Counts counts() {
    Map<String, Long> bySegment = new java.util.TreeMap<>();
    for (Segment s : segments) {
      if (s.corrupt() > 0) {
        bySegment.put(SlotFiles.slotName(s.slot), s.corrupt());
      }
    }
    return new Counts(corruptRecords, damagedSegments, truncatedTails, stateLost, writer.bytesWritten(), evictedRecords,
        Map.copyOf(bySegment));
  }

  @Override
  public void close() throws IOException {
    closeAll(slots);
    if (stateFile != null) {
      stateFile.close();
    }
  }

  /** Closes every one of {@code files} (nulls skipped), then throws the first failure. */
  public static void closeAll(Closeable... files) throws IOException {
    IOException first = null;
    for (Closeable f : files) {
      try {
        if (f != null) {
          f.close();
        }
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }
}

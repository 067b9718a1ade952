package io.mast.store;

import io.mast.protocol.Reading;
import io.mast.seams.DurableFiles;
import io.mast.seams.Scheduler;
import io.mast.store.internal.Payloads;
import io.mast.store.internal.RecordFormat;
import io.mast.store.internal.SegmentRing;
import io.mast.store.internal.StateFile;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.tinylog.Logger;

/**
 * The ring store: every reading is written to flash once, here, and stays until the platform has
 * acknowledged it. Two lanes, each a ring of preallocated segment files with its own
 * acknowledged cursor: {@code readings/} (default 64 MiB) and {@code alarms/} (default 256 KiB),
 * so routine readings never evict an alarm.
 *
 * <p>Over 400 lines because appends, the group commit, reads, acknowledgements and close share
 * one lock and one pending batch, whose protocol below holds only together; its settings are
 * {@link RingStoreBuilder}, each lane a {@link SegmentRing}.
 *
 * <p><b>Commit protocol.</b> An append assembles its record ({@link RecordFormat}) in the lane's
 * page buffer and returns at once with its sequence number and a future. A full page is written
 * (not forced) as soon as it fills. A group commit runs one sync interval after the first
 * unsynced append (default 5 s, see {@link #DEFAULT_SYNC_INTERVAL}): it writes the partial last page, zero-padded, forces every
 * segment file written since the last commit (fdatasync), then writes and forces the lane state
 * if an acknowledgement moved it, and only then completes the batch's future. An alarm makes the
 * group commit run at once, for both lanes. So fsync runs at most once per interval for
 * routine readings, whatever the rate.
 *
 * <p><b>Loss window.</b> A power cut loses exactly the records appended since the last completed
 * commit: those whose future has not completed, at most one sync interval of readings. It never
 * loses a record whose future completed, and never returns a torn or stale one: recovery at open
 * keeps the longest run of records whose CRCs, sequence numbers and epochs hold. An
 * acknowledgement is persisted with the next commit; one lost to a power cut only makes the
 * store send those records again, which the platform drops as duplicates.
 *
 * <p><b>Reads</b> return durable records only, so a sequence number sent to the platform is never
 * reused for another reading after a power cut.
 *
 * <p><b>Eviction.</b> When the head needs a segment and none is free, the oldest segment is
 * reused even if unsent; its unacknowledged readings are counted per channel and the counts are
 * forced to the state file before the slot is overwritten ({@link LaneStats#evicted()}).
 *
 * <p><b>Failure.</b> An {@link IOException} from a write or a force (a full or failing card) is
 * thrown to the caller or fails the batch's future, and the store then refuses further appends:
 * after a failed fsync the kernel may have dropped the pages, so the only safe way on is to
 * close and open again, which recovers everything that was durable. Nothing already durable is
 * touched by a failure.
 *
 * <p><b>Threads.</b> Thread safe. Appends, reads and acknowledgements take the store's lock
 * briefly (no fsync under it, except when an eviction must persist its counts). Group commits
 * run on the scheduler's thread and force files outside the lock, so appends go on during a
 * sync. Futures complete on the scheduler's thread: do not block in their callbacks.
 */
public final class RingStore implements AutoCloseable {
  /**
   * The default group commit interval, 5 s, chosen from {@code mast bench store --rate 2}: at a
   * pole's two readings a second, syncing every 1 s, 5 s or 30 s wrote 366, 83 and 24 MB a day
   * to flash (each commit rewrites the partial last page). 5 s writes 4.4 times less than 1 s
   * for a loss window that, with sensors sampled every 10 s or slower, still costs at most one
   * reading per channel per power cut; 30 s saves little more and risks three. Alarms do not
   * wait for it: they commit at once.
   */
  public static final Duration DEFAULT_SYNC_INTERVAL = Duration.ofSeconds(5);

  /** An append's sequence number and a future that completes when the record is durable. */
  public record Receipt(long seq, CompletableFuture<Void> durable) {}

  private final Object lock = new Object();
  private final Object syncLock = new Object();
  private final SegmentRing readings;
  private final SegmentRing alarms;
  private final Scheduler scheduler;
  private final boolean ownScheduler;
  private volatile Duration syncInterval;
  private final Closeable dirLock;
  private CompletableFuture<Void> batch;
  /** System.nanoTime() when the pending batch began. */
  private long batchSince;
  private boolean syncScheduled;
  private IOException failure;
  private boolean closed;
  private boolean filesClosed;
  private long syncs;

  /** A store on lanes opened by {@link RingStoreBuilder}; {@code ownScheduler}: closed with the store. */
  RingStore(SegmentRing readings, SegmentRing alarms, Duration syncInterval, Scheduler scheduler, boolean ownScheduler,
      Closeable dirLock) {
    this.readings = readings;
    this.alarms = alarms;
    this.scheduler = scheduler;
    this.ownScheduler = ownScheduler;
    this.syncInterval = syncInterval;
    this.dirLock = dirLock;
  }

  /**
   * Fails at once, naming the other process, if the store in {@code dir} is open elsewhere; does
   * nothing when it is free or does not exist yet. For callers that must not start anything
   * else (a broker, a board) before they know the store is theirs.
   */
  public static void checkNotInUse(Path dir) throws IOException {
    DurableFiles.real().checkUnlocked(dir.resolve("lock"));
  }

  public static RingStoreBuilder builder(Path dir) {
    return new RingStoreBuilder(dir);
  }

  /**
   * Opens an existing store for reading only, as {@code mast store dump} does: recovery runs in
   * memory, nothing is written, appends and acknowledgements throw. Works while no writer runs;
   * with one running it sees what the writer had written when it opened.
   */
  public static RingStore openReadOnly(Path dir) throws IOException {
    return openReadOnly(DurableFiles.real(), dir);
  }

  static RingStore openReadOnly(DurableFiles files, Path dir) throws IOException {
    if (!files.exists(dir.resolve("readings")) && !files.exists(dir.resolve("alarms"))) {
      throw new IOException("no store at " + dir + " (no readings/ or alarms/ directory)");
    }
    SegmentRing readings = SegmentRing.openReadOnly(files, dir.resolve("readings"), SegmentRing.Lane.READINGS,
        RingStore::countReadings);
    SegmentRing alarms;
    try {
      alarms = SegmentRing.openReadOnly(files, dir.resolve("alarms"), SegmentRing.Lane.ALARMS, RingStore::countAlarm);
    } catch (IOException | RuntimeException e) {
      readings.close();
      throw e;
    }
    return new RingStore(readings, alarms, Duration.ZERO, null, true, null);
  }

  /**
   * The payload bytes of a record of {@code batchReadings} ({@link Payloads}), for tools that
   * compare the store with other queues on the same bytes.
   */
  public static byte[] payload(List<Reading> batchReadings) {
    ByteBuffer b = Payloads.readings(batchReadings);
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  /** Bytes a record of {@code batchReadings} takes in a segment, its 20-byte header included. */
  public static int recordBytes(List<Reading> batchReadings) {
    return RecordFormat.recordBytes(Payloads.readings(batchReadings).remaining());
  }

  // ---------------------------------------------------------------- appends

  /** Appends one reading as one record. */
  public Receipt append(Reading reading) throws IOException {
    return append(List.of(reading));
  }

  /**
   * Appends readings sampled together as one record. Its future completes at the next group
   * commit, at most one sync interval from now, or fails with the commit's {@link IOException}.
   *
   * @throws IOException if the store has failed, or if writing a full page fails (the store
   *     then fails)
   * @throws IllegalArgumentException if there are no readings or they do not fit one record
   */
  public Receipt append(List<Reading> batchReadings) throws IOException {
    ByteBuffer payload = Payloads.readings(batchReadings);
    return append(readings, payload, syncInterval);
  }

  /**
   * Appends a frame cut to the readings lane: a record without readings that closes the frame
   * the readings before it belong to. Read back it is a {@link StoredRecord} with no readings.
   * Because the cut is stored, a frame is cut the same way however often it is sent again, after
   * a reconnect or a restart. A cut starts a group commit at once, as an alarm does: the frame it
   * closes can leave at the end of its batch window rather than up to a sync interval later, for
   * one fsync per window.
   */
  public Receipt appendCut() throws IOException {
    return append(readings, Payloads.cut(), Duration.ZERO);
  }

  /** Appends an alarm to the alarm lane and starts a group commit at once. */
  public Receipt appendAlarm(AlarmEvent alarm) throws IOException {
    return append(alarms, Payloads.alarm(alarm), Duration.ZERO);
  }

  /**
   * Changes the group commit interval from the next append on (a new config): the most a power
   * cut can lose. Commits already requested keep their deadline.
   */
  public void syncInterval(Duration interval) {
    RingStoreBuilder.checkSyncInterval(interval);
    this.syncInterval = interval;
  }

  /** The group commit interval in force. */
  public Duration syncInterval() {
    return syncInterval;
  }

  private Receipt append(SegmentRing lane, ByteBuffer payload, Duration syncWithin) throws IOException {
    synchronized (lock) {
      checkWritable();
      long seq;
      try {
        seq = lane.append(payload);
      } catch (IOException e) {
        fail(e);
        throw e;
      }
      if (batch == null) {
        batch = new CompletableFuture<>();
        batchSince = System.nanoTime();
      }
      CompletableFuture<Void> durable = batch;
      requestSync(syncWithin);
      return new Receipt(seq, durable);
    }
  }

  private void requestSync(Duration within) {
    if (within.isZero()) {
      scheduler.schedule(Duration.ZERO, this::syncQuietly);
    } else if (!syncScheduled) {
      syncScheduled = true;
      scheduler.schedule(within, this::syncQuietly);
    }
  }

  private void checkOpenForWriting() {
    if (scheduler == null) {
      throw new IllegalStateException("store opened read-only");
    }
    if (closed) {
      throw new IllegalStateException("store is closed");
    }
  }

  private void checkWritable() throws IOException {
    checkOpenForWriting();
    if (failure != null) {
      throw new IOException("store failed earlier and takes no more appends until it is opened again: "
          + failure.getMessage(), failure);
    }
  }

  // ---------------------------------------------------------------- group commit

  /**
   * Why the store is not doing its work, or null when it is: it failed (appends are refused), or
   * appends have waited more than their sync interval and {@code slack} for a group commit (the
   * commit thread is stuck). For a supervisor's watchdog. Any thread.
   */
  public String stuck(Duration slack) {
    synchronized (lock) {
      if (failure != null) {
        return "the store failed: " + failure.getMessage();
      }
      long waited = System.nanoTime() - batchSince;
      if (batch != null && waited > syncInterval.plus(slack).toNanos()) {
        return "appends have waited " + java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(waited) + " s for a group commit";
      }
      return null;
    }
  }

  private void syncQuietly() {
    try {
      sync();
    } catch (IOException e) {
      Logger.error("store sync failed: {}; appends are refused until the store is opened again", e.getMessage());
    }
  }

  /** Runs a group commit now, in the calling thread; returns when it is durable. */
  public void sync() throws IOException {
    synchronized (syncLock) {
      List<DurableFiles.DurableFile> toForce = new ArrayList<>();
      StateFile.State readingsState;
      StateFile.State alarmsState;
      long readingsTarget;
      long alarmsTarget;
      CompletableFuture<Void> committed;
      synchronized (lock) {
        syncScheduled = false;
        if (failure != null) {
          throw new IOException("store failed earlier: " + failure.getMessage(), failure);
        }
        if (scheduler == null || filesClosed) {
          return;
        }
        try {
          readings.flushTail();
          alarms.flushTail();
        } catch (IOException e) {
          fail(e);
          throw e;
        }
        toForce.addAll(readings.takeDirty());
        toForce.addAll(alarms.takeDirty());
        readingsState = readings.takeStateIfDirty();
        alarmsState = alarms.takeStateIfDirty();
        readingsTarget = readings.lastSeq();
        alarmsTarget = alarms.lastSeq();
        committed = batch;
        batch = null;
      }
      try {
        for (DurableFiles.DurableFile f : toForce) {
          f.force();
        }
        if (readingsState != null) {
          readings.writeState(readingsState);
        }
        if (alarmsState != null) {
          alarms.writeState(alarmsState);
        }
      } catch (IOException e) {
        synchronized (lock) {
          fail(e);
        }
        if (committed != null) {
          committed.completeExceptionally(e);
        }
        throw e;
      }
      synchronized (lock) {
        readings.markDurable(readingsTarget);
        alarms.markDurable(alarmsTarget);
        syncs++;
      }
      if (committed != null) {
        committed.complete(null);
      }
    }
  }

  private void fail(IOException e) {
    if (failure == null) {
      failure = e;
      Logger.error("store failed: {}", e.getMessage());
    }
    if (batch != null) {
      batch.completeExceptionally(e);
      batch = null;
    }
  }

  // ---------------------------------------------------------------- reads and acknowledgements

  /**
   * Up to {@code max} durable records of the readings lane from {@code fromSeq} on, in order. A
   * record whose CRC holds but whose payload does not decode is left out and counted as corrupt.
   */
  public List<StoredRecord> read(long fromSeq, int max) throws IOException {
    return read(readings, fromSeq, max, (seq, payload) -> new StoredRecord(seq, Payloads.readings(payload)));
  }

  /** Up to {@code max} durable alarms from {@code fromSeq} on, in order; undecodable ones as for readings. */
  public List<StoredAlarm> readAlarms(long fromSeq, int max) throws IOException {
    return read(alarms, fromSeq, max, (seq, payload) -> new StoredAlarm(seq, Payloads.alarm(payload)));
  }

  private interface RecordDecoder<T> {
    T decode(long seq, ByteBuffer payload) throws Payloads.BadPayloadException;
  }

  private <T> List<T> read(SegmentRing lane, long fromSeq, int max, RecordDecoder<T> decoder) throws IOException {
    List<T> out = new ArrayList<>();
    synchronized (lock) {
      lane.read(fromSeq, max, lane.durableSeq(), (seq, payload) -> {
        try {
          out.add(decoder.decode(seq, payload));
        } catch (Payloads.BadPayloadException e) {
          lane.undecodable(seq, e);
        }
      });
    }
    return out;
  }

  /**
   * Moves the readings lane's acknowledged cursor to {@code seq}, persisted with the next group
   * commit. Returns false, changing nothing, if the cursor is already there or past it: the
   * cursor never goes backwards.
   *
   * @throws IllegalArgumentException if {@code seq} is not durable yet
   */
  public boolean ack(long seq) {
    return ack(readings, seq);
  }

  /** {@link #ack(long)} for the alarm lane. */
  public boolean ackAlarms(long seq) {
    return ack(alarms, seq);
  }

  private boolean ack(SegmentRing lane, long seq) {
    synchronized (lock) {
      checkOpenForWriting();
      boolean moved = lane.ack(seq);
      if (moved && failure == null) {
        requestSync(syncInterval);
      }
      return moved;
    }
  }

  // ---------------------------------------------------------------- figures

  /** Figures of both lanes, for health reports and {@code mast store stat}. */
  public StoreStats stats() throws IOException {
    synchronized (lock) {
      return new StoreStats(laneStats(readings), laneStats(alarms), syncs);
    }
  }

  private LaneStats laneStats(SegmentRing lane) throws IOException {
    long[] oldest = {-1};
    long firstUnacked = Math.max(lane.acked() + 1, lane.firstSeq());
    // two records: the first may be a frame cut, and cuts never follow each other
    lane.read(firstUnacked, 2, lane.durableSeq(), (seq, payload) -> {
      if (oldest[0] < 0) {
        oldest[0] = oldestTime(lane, payload);
      }
    });
    SegmentRing.Counts c = lane.counts();
    return new LaneStats((long) lane.slotCount() * lane.segmentBytes(), lane.segmentBytes(), lane.slotCount(), lane.segmentsInUse(), lane.usedBytes(),
        lane.firstSeq(), lane.lastSeq(), lane.durableSeq(), lane.acked(), lane.records(),
        Math.max(0, lane.lastSeq() - Math.max(lane.acked(), lane.firstSeq() - 1) - lane.corruptAbove(lane.acked())), oldest[0],
        lane.evicted(), c.evictedRecords(), c.corruptRecords(), c.corruptBySegment(), c.damagedSegments(), c.truncatedTails(),
        c.stateLost(), c.bytesWritten(), lane.epoch());
  }

  private long oldestTime(SegmentRing lane, ByteBuffer payload) throws IOException {
    if (lane == alarms) {
      return Payloads.alarm(payload).reading().time();
    }
    long min = -1;
    for (Reading r : Payloads.readings(payload)) {
      min = min < 0 ? r.time() : Math.min(min, r.time());
    }
    return min;
  }

  static void countReadings(ByteBuffer payload, Map<Integer, Long> counts) throws IOException {
    for (Reading r : Payloads.readings(payload)) {
      counts.merge(r.channel(), 1L, Long::sum);
    }
  }

  static void countAlarm(ByteBuffer payload, Map<Integer, Long> counts) throws IOException {
    counts.merge(Payloads.alarm(payload).reading().channel(), 1L, Long::sum);
  }

  /**
   * Runs a last group commit, then closes the files and releases the directory. Appends after
   * this throw; futures of a batch the last commit could not make durable fail.
   */
  @Override
  public void close() throws IOException {
    IOException error = null;
    if (scheduler != null) {
      synchronized (lock) {
        if (closed) {
          return;
        }
        closed = true;
      }
      try {
        sync();
      } catch (IOException e) {
        error = e;
      }
      synchronized (syncLock) {
        synchronized (lock) {
          filesClosed = true;
          if (batch != null) {
            batch.completeExceptionally(new IOException("store closed before this batch was durable"));
          }
        }
      }
      if (ownScheduler) {
        scheduler.close();
      }
    }
    try {
      SegmentRing.closeAll(readings, alarms, dirLock);
    } catch (IOException e) {
      error = error == null ? e : error;
    }
    if (error != null) {
      throw error;
    }
  }
}

package io.mast.store;

import io.mast.seams.DurableFiles;
import io.mast.seams.Scheduler;
import io.mast.store.internal.SegmentRing;
import io.mast.store.internal.SlotFiles;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.tinylog.Logger;

/**
 * Settings of a ring store; {@link #open()} validates them and opens the store.
 *
 * <p>Defaults: capacity 64 MiB; segments of 4 MiB, or a quarter of the capacity when that is
 * smaller; alarm lane 256 KiB in 64 KiB segments; sync interval {@link RingStore#DEFAULT_SYNC_INTERVAL}; real files; a scheduler
 * thread of the store's own, named {@code mast-store-sync}.
 */
public final class RingStoreBuilder {
  static final long MIB = 1024 * 1024;
  private final Path dir;
  private long capacityBytes = 64 * MIB;
  private Integer segmentBytes;
  private long alarmCapacityBytes = 256 * 1024;
  private int alarmSegmentBytes = 64 * 1024;
  private Duration syncInterval = RingStore.DEFAULT_SYNC_INTERVAL;
  private DurableFiles files = DurableFiles.real();
  private Scheduler scheduler;

  RingStoreBuilder(Path dir) {
    this.dir = dir;
  }

  public RingStoreBuilder capacityBytes(long bytes) {
    this.capacityBytes = bytes;
    return this;
  }

  public RingStoreBuilder segmentBytes(int bytes) {
    this.segmentBytes = bytes;
    return this;
  }

  public RingStoreBuilder alarmCapacityBytes(long bytes) {
    this.alarmCapacityBytes = bytes;
    return this;
  }

  public RingStoreBuilder alarmSegmentBytes(int bytes) {
    this.alarmSegmentBytes = bytes;
    return this;
  }

  public RingStoreBuilder syncInterval(Duration interval) {
    this.syncInterval = interval;
    return this;
  }

  /** The file layer; tests pass a faulty one. */
  public RingStoreBuilder files(DurableFiles files) {
    this.files = files;
    return this;
  }

  /** Where group commits run; the caller keeps ownership and closes it. */
  public RingStoreBuilder scheduler(Scheduler scheduler) {
    this.scheduler = scheduler;
    return this;
  }

  int effectiveSegmentBytes() {
    if (segmentBytes != null) {
      return segmentBytes;
    }
    long quarter = capacityBytes / 4 / SegmentRing.PAGE * SegmentRing.PAGE;
    return (int) Math.max(SegmentRing.MIN_SEGMENT, Math.min(4 * MIB, quarter));
  }

  /**
   * Validates the settings, then opens the store, creating and preallocating its files if
   * needed, and runs recovery.
   *
   * @throws IllegalArgumentException naming the setting and its value, if one is out of range
   * @throws IOException if the directory cannot be used, or another process has it open
   */
  public RingStore open() throws IOException {
    int segment = effectiveSegmentBytes();
    checkGeometry("segment", segment, capacityBytes);
    checkGeometry("alarm segment", alarmSegmentBytes, alarmCapacityBytes);
    checkSyncInterval(syncInterval);
    files.createDirectories(dir);
    Closeable dirLock = files.lock(dir.resolve("lock"));
    SegmentRing readings = null;
    try {
      int readingSlots = (int) (capacityBytes / segment);
      int alarmSlots = (int) (alarmCapacityBytes / alarmSegmentBytes);
      checkSpace(segment, readingSlots, alarmSlots);
      readings = SegmentRing.openForWriting(files, dir.resolve("readings"), SegmentRing.Lane.READINGS, segment,
          readingSlots, RingStore::countReadings);
      SegmentRing alarms = SegmentRing.openForWriting(files, dir.resolve("alarms"), SegmentRing.Lane.ALARMS,
          alarmSegmentBytes, alarmSlots, RingStore::countAlarm);
      Scheduler s = scheduler != null ? scheduler : Scheduler.newThread("mast-store-sync");
      RingStore store = new RingStore(readings, alarms, syncInterval, s, scheduler == null, dirLock);
      Logger.info("store {}: readings {}..{} (acked {}), alarms {}..{}", dir, readings.firstSeq(),
          readings.lastSeq(), readings.acked(), alarms.firstSeq(), alarms.lastSeq());
      return store;
    } catch (IOException | RuntimeException e) {
      if (readings != null) {
        readings.close();
      }
      dirLock.close();
      throw e;
    }
  }

  /**
   * Refuses to start preallocating what the file system cannot hold, before a byte is written:
   * a store that fills its partition halfway and fails leaves the pole worse off than one that
   * says at once how much it needs and how much there is.
   */
  private void checkSpace(int segment, int readingSlots, int alarmSlots) throws IOException {
    long readings = SlotFiles.bytesToPreallocate(files, dir.resolve("readings"), segment, readingSlots);
    long alarms = SlotFiles.bytesToPreallocate(files, dir.resolve("alarms"), alarmSegmentBytes, alarmSlots);
    if (readings + alarms == 0) {
      return;
    }
    long free = files.usableSpace(dir);
    if (readings + alarms > free) {
      throw new IOException(String.format(Locale.ROOT, "store %s needs %,d more bytes (readings %,d, alarms %,d: its"
          + " segments are preallocated) but its file system has %,d bytes free; free space there or lower store.capacity_bytes"
          + " (now %,d)", dir, readings + alarms, readings, alarms, free, capacityBytes));
    }
  }

  static void checkSyncInterval(Duration syncInterval) {
    if (syncInterval.compareTo(Duration.ofMillis(1)) < 0 || syncInterval.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException("sync interval " + syncInterval.toMillis() + " ms is outside 1..3600000 ms");
    }
  }

  private static void checkGeometry(String what, long segment, long capacity) {
    if (segment < SegmentRing.MIN_SEGMENT || segment % SegmentRing.PAGE != 0 || segment > 1024 * MIB) {
      throw new IllegalArgumentException(what + " size " + segment + " bytes is not a multiple of "
          + SegmentRing.PAGE + " between " + SegmentRing.MIN_SEGMENT + " and " + 1024 * MIB);
    }
    if (capacity < 2 * segment) {
      throw new IllegalArgumentException(what + " capacity " + capacity + " bytes is less than two "
          + segment + "-byte segments");
    }
  }
}

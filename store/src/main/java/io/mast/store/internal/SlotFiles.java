package io.mast.store.internal;

import io.mast.seams.DurableFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tinylog.Logger;

/**
 * The segment files of a lane, {@code seg-0000.mast} ... one per slot, each exactly the segment
 * size: their names, how many there are, opening them with what is missing preallocated (and the
 * preallocation undone when the disk is full), and how many bytes that would take.
 */
public final class SlotFiles {
  private static final Pattern SEGMENT_NAME = Pattern.compile("seg-(\\d{4})\\.mast");

  /** The slots found read-only, and the segment size they say (the largest file, at least the minimum). */
  record ReadOnly(DurableFiles.DurableFile[] slots, int segmentBytes) {}

  private SlotFiles() {}

  public static String slotName(int slot) {
    return String.format(Locale.ROOT, "seg-%04d.mast", slot);
  }

  /**
   * Opens (creating or extending as needed) {@code slotCount} slots of {@code segmentBytes}, or
   * more if the directory has more, so that lowering the capacity never drops stored data. What
   * this creates is forced, and the directory with it.
   */
  static DurableFiles.DurableFile[] openForWriting(DurableFiles files, Path dir, int segmentBytes, int slotCount) throws IOException {
    files.createDirectories(dir);
    int count = Math.max(slotCount, existing(files, dir));
    DurableFiles.DurableFile[] slots = new DurableFiles.DurableFile[count];
    long[] before = new long[count];
    boolean created = false;
    for (int i = 0; i < count; i++) {
      Path path = dir.resolve(slotName(i));
      boolean existed = files.exists(path);
      slots[i] = files.open(path);
      long size = slots[i].size();
      before[i] = existed ? size : -1;
      if (size > segmentBytes) {
        SegmentRing.closeAll(slots);
        throw new IOException(path + " is " + size + " bytes but segments are " + segmentBytes
            + " bytes: this store was made with another segment size; open it with that size");
      }
      if (size < segmentBytes) {
        try {
          preallocate(slots[i], size, segmentBytes);
        } catch (IOException e) {
          undoPreallocation(files, dir, slots, before, i);
          throw new IOException("preallocating " + path + " failed at " + e.getMessage() + "; the store needs "
              + bytesToPreallocate(files, dir, segmentBytes, slotCount) + " more bytes in " + dir + " and its file system has "
              + files.usableSpace(dir) + " free; the files this start made were removed", e.getCause());
        }
        created = true;
      }
    }
    if (created) {
      files.syncDirectory(dir);
    }
    return slots;
  }

  /** Opens the slots there are read-only (a missing one is null). */
  static ReadOnly openReadOnly(DurableFiles files, Path dir, long minSegment) throws IOException {
    int count = existing(files, dir);
    DurableFiles.DurableFile[] slots = new DurableFiles.DurableFile[count];
    long segmentBytes = minSegment;
    for (int i = 0; i < count; i++) {
      Path path = dir.resolve(slotName(i));
      slots[i] = files.exists(path) ? files.openReadOnly(path) : null;
      segmentBytes = Math.max(segmentBytes, slots[i] == null ? 0 : slots[i].size());
    }
    return new ReadOnly(slots, (int) Math.min(segmentBytes, Integer.MAX_VALUE));
  }

  private static int existing(DurableFiles files, Path dir) throws IOException {
    if (!files.exists(dir)) {
      return 0;
    }
    int count = 0;
    for (Path p : files.list(dir)) {
      Matcher m = SEGMENT_NAME.matcher(p.getFileName().toString());
      if (m.matches()) {
        count = Math.max(count, Integer.parseInt(m.group(1)) + 1);
      }
    }
    return count;
  }

  /**
   * Zeros from {@code from} to {@code to}, forced.
   *
   * @throws IOException whose message is "byte N of M: cause", with the cause under it
   */
  private static void preallocate(DurableFiles.DurableFile file, long from, int to) throws IOException {
    ByteBuffer zeros = ByteBuffer.allocate(PageWriter.PAGE);
    long at = from;
    try {
      for (; at < to; at += zeros.capacity()) {
        zeros.clear().limit((int) Math.min(zeros.capacity(), to - at));
        file.write(zeros, at);
      }
      file.force();
    } catch (IOException e) {
      throw new IOException("byte " + at + " of " + to + ": " + e.getMessage(), e);
    }
  }

  /**
   * After a failed preallocation of slot {@code failed}: the files this open created are closed
   * and deleted, the ones it extended cut back to their size before ({@code before[i]}, -1 for a
   * file that did not exist), so a full disk is not left fuller by a store that could not start.
   */
  private static void undoPreallocation(DurableFiles files, Path dir, DurableFiles.DurableFile[] slots, long[] before, int failed) {
    for (int i = 0; i <= failed; i++) {
      Path path = dir.resolve(slotName(i));
      try {
        if (before[i] < 0) {
          slots[i].close();
          files.deleteIfExists(path);
        } else {
          slots[i].truncate(before[i]);
          slots[i].close();
        }
      } catch (IOException e) {
        Logger.warn("store: could not undo the preallocation of {}: {}", path, e.getMessage());
      }
      slots[i] = null;
    }
    try {
      SegmentRing.closeAll(slots);
      files.syncDirectory(dir);
    } catch (IOException e) {
      Logger.warn("store: could not close or sync {}: {}", dir, e.getMessage());
    }
  }

  /**
   * Bytes that opening the lane in {@code dir} for writing with {@code slotCount} slots of
   * {@code segmentBytes} would add to the file system: every missing slot, and what an existing
   * short one lacks. Creates nothing.
   */
  public static long bytesToPreallocate(DurableFiles files, Path dir, int segmentBytes, int slotCount) throws IOException {
    // one listing of the directory, not one lookup per slot: a large capacity has millions of slots
    int count = Math.max(slotCount, existing(files, dir));
    long needed = (long) count * segmentBytes;
    if (!files.exists(dir)) {
      return needed;
    }
    for (Path p : files.list(dir)) {
      Matcher m = SEGMENT_NAME.matcher(p.getFileName().toString());
      if (m.matches() && Integer.parseInt(m.group(1)) < count) {
        try (DurableFiles.DurableFile f = files.openReadOnly(p)) {
          needed -= Math.min(segmentBytes, f.size());
        }
      }
    }
    return needed;
  }
}

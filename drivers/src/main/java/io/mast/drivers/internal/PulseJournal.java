package io.mast.drivers.internal;

import io.mast.seams.AtomicFiles;
import io.mast.seams.DurableFiles;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The crash-safe total of one pulse meter: a 4 KiB file of 128 checkpoint slots written round
 * robin, each forced to flash before the write returns.
 *
 * <pre>
 * slot (32 bytes, little-endian), slot index = seq mod 128
 * offset size field
 *      0    4 magic "MPUL" (0x4C55504D)
 *      4    1 format version: 1
 *      5    1 flags: bit 0 = total set by hand (installation, meter swap)
 *      6    2 reserved, 0
 *      8    8 seq: 1 for the first checkpoint, +1 for each
 *     16    8 total pulses since the meter's zero
 *     24    4 CRC-32C of bytes 0..23
 *     28    4 reserved, 0
 * </pre>
 *
 * <p><b>Commit protocol.</b> A checkpoint overwrites the oldest slot and fdatasyncs; the previous
 * slot is untouched, so a power cut during the write leaves either the new slot or, its CRC failing,
 * the previous one. Recovery takes the valid slot with the highest seq. The file is created as
 * zeros through a temp file, fsync and rename ({@link AtomicFiles}), so it never exists half made.
 * An exclusive lock on {@code FILE.lock} keeps a second process (a technician's
 * {@code mast meter set-total} while the runtime runs) out. All of it goes through the
 * {@link DurableFiles} seam, so tests cut the power inside a checkpoint. Not thread safe;
 * {@link io.mast.drivers.PulseMeter} serialises access.
 */
public final class PulseJournal implements AutoCloseable {
  static final int SLOT = 32;
  static final int SLOTS = 128;
  static final int MAGIC = 0x4C55504D;
  static final int VERSION = 1;

  private final Path file;
  private final DurableFiles.DurableFile channel;
  private final Closeable lock;
  private long seq;
  private long total;
  private boolean setByHand;

  private PulseJournal(Path file, DurableFiles.DurableFile channel, Closeable lock) {
    this.file = file;
    this.channel = channel;
    this.lock = lock;
  }

  /** Opens (creating when missing) and recovers the journal at {@code file}, on real files. */
  public static PulseJournal open(Path file) throws IOException {
    return open(DurableFiles.real(), file);
  }

  /** Opens (creating when missing) and recovers the journal at {@code file}. */
  public static PulseJournal open(DurableFiles files, Path file) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    files.createDirectories(dir);
    Closeable lock;
    try {
      lock = files.lock(lockFile(file));
    } catch (IOException e) {
      throw new IOException("pulse total " + file + " is held by another process (is the runtime running?): " + e.getMessage(), e);
    }
    try {
      AtomicFiles.removeLeftovers(files, file);
      if (!files.exists(file)) {
        AtomicFiles.replace(files, file, new byte[SLOT * SLOTS]);
      }
      DurableFiles.DurableFile channel = files.open(file);
      PulseJournal journal = new PulseJournal(file, channel, lock);
      journal.recover();
      return journal;
    } catch (IOException | RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  /** The lock file beside a journal: the journal itself holds data and is never the lock. */
  static Path lockFile(Path file) {
    return file.resolveSibling(file.getFileName() + ".lock");
  }

  private void recover() throws IOException {
    ByteBuffer all = ByteBuffer.allocate(SLOT * SLOTS).order(ByteOrder.LITTLE_ENDIAN);
    for (int n = 0; all.hasRemaining() && n >= 0; ) {
      n = channel.read(all, all.position()); // a short file (cut by a card fault) reads as empty slots
    }
    for (int i = 0; i < SLOTS; i++) {
      int at = i * SLOT;
      if (all.getInt(at) != MAGIC || all.get(at + 4) != VERSION || all.getInt(at + 24) != crc(all, at)) {
        continue;
      }
      long slotSeq = all.getLong(at + 8);
      if (slotSeq > seq) {
        seq = slotSeq;
        total = all.getLong(at + 16);
        setByHand = (all.get(at + 5) & 1) != 0;
      }
    }
  }

  private static int crc(ByteBuffer buffer, int at) {
    CRC32C crc = new CRC32C();
    crc.update(buffer.duplicate().position(at).limit(at + 24));
    return (int) crc.getValue();
  }

  /** Writes {@code newTotal} as the next checkpoint and forces it to flash before returning. */
  public void checkpoint(long newTotal, boolean byHand) throws IOException {
    if (newTotal < 0) {
      throw new IllegalArgumentException("pulse total " + newTotal + " is negative");
    }
    long next = seq + 1;
    ByteBuffer slot = ByteBuffer.allocate(SLOT).order(ByteOrder.LITTLE_ENDIAN);
    slot.putInt(0, MAGIC).put(4, (byte) VERSION).put(5, (byte) (byHand ? 1 : 0));
    slot.putLong(8, next).putLong(16, newTotal);
    slot.putInt(24, crc(slot, 0));
    channel.write(slot, (next % SLOTS) * SLOT);
    channel.force();
    seq = next;
    total = newTotal;
    setByHand = byHand;
  }

  /** The total of the newest checkpoint (0 for a new meter). */
  public long total() {
    return total;
  }

  /** Checkpoints written over the meter's life. */
  public long seq() {
    return seq;
  }

  /** Whether the newest checkpoint was a total set by hand. */
  public boolean setByHand() {
    return setByHand;
  }

  public Path file() {
    return file;
  }

  @Override
  public void close() {
    try {
      channel.close();
      lock.close();
    } catch (IOException ignored) {
      // Nothing to lose: every checkpoint was forced when written.
    }
  }
}

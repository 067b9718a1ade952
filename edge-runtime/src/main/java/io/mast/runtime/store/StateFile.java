package io.mast.runtime.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * A lane's small persistent state: the acknowledged cursor, the epoch and the evicted counts, in
 * two alternating slots of one preallocated file. A write goes to the slot that does not hold the
 * current state and is forced before it counts, so a power cut in the middle of a write tears at
 * most that slot and the other still holds the previous state. At open the valid slot with the
 * higher write counter wins.
 *
 * <pre>
 * slot at offset 0 and at offset {@value #SLOT}, each:
 * offset  size  field
 *      0     4  magic "MSTA"
 *      4     2  format version, {@value #VERSION}
 *      6     2  length B of the evicted-counts list
 *      8     8  write counter: +1 per write; the valid slot with the higher one is current
 *     16     8  acknowledged sequence number, 0 before the first acknowledgement
 *     24     4  epoch: +1 at every open for writing
 *     28     4  reserved, 0
 *     32     B  readings evicted unsent, per channel: uvarint n, then n x (uvarint channel,
 *               uvarint count); channels past {@value #MAX_CHANNELS} are summed under
 *               channel {@value #OTHER_CHANNEL}
 *   32+B     4  CRC-32C of bytes 0..31+B
 * </pre>
 *
 * <p>Not thread safe on its own: {@link #write} is synchronized and ignores a state older than
 * the one last written, because the sync thread and an eviction may race to write.
 */
final class StateFile implements AutoCloseable {
  static final int SLOT = 4096;
  static final int MAGIC = 0x4D535441;
  static final int VERSION = 1;
  static final int MAX_CHANNELS = 300;
  static final int OTHER_CHANNEL = 0x7FFFFFFF;
  private static final int FIXED = 32;

  /** One state: what is written, with the in-memory version that orders concurrent writes. */
  record State(long version, long acked, int epoch, Map<Integer, Long> evicted) {
    State {
      evicted = Map.copyOf(evicted);
    }
  }

  private final StoreFiles.StoreFile file;
  private final Read opened;
  private long counter;
  private long writtenVersion = -1;

  private StateFile(StoreFiles.StoreFile file, Read opened) {
    this.file = file;
    this.opened = opened;
    this.counter = opened.counter;
  }

  /** Opens the state file for writing, creating it with an initial state when missing. */
  static StateFile openForWriting(StoreFiles files, Path path) throws IOException {
    boolean fresh = !files.exists(path);
    StoreFiles.StoreFile file = files.open(path);
    if (fresh || file.size() < 2L * SLOT) {
      file.write(ByteBuffer.allocate(2 * SLOT), 0);
      file.force();
      files.syncDirectory(path.getParent());
    }
    return new StateFile(file, read(file, path));
  }

  /** The current state in an existing file; a fresh store's state when both slots are empty. */
  static Read readOnly(StoreFiles files, Path path) throws IOException {
    if (!files.exists(path)) {
      return new Read(0, new State(0, 0, 0, Map.of()), false);
    }
    try (StoreFiles.StoreFile file = files.openReadOnly(path)) {
      return read(file, path);
    }
  }

  /** The state as read at open; {@code lost} when both slots held data and neither was valid. */
  Read opened() {
    return opened;
  }

  /**
   * What the file held: the current state, or a fresh one if both slots are empty, or a fresh
   * one with {@code lost} set if both are corrupt. A lost state is not fatal: the store resends
   * from the oldest record (the platform drops duplicates by sequence) and takes its epoch from
   * the records it scans.
   */
  record Read(long counter, State state, boolean lost) {}

  private static Read read(StoreFiles.StoreFile file, Path path) throws IOException {
    Read best = new Read(0, new State(0, 0, 0, Map.of()), false);
    boolean sawData = false;
    for (int slot = 0; slot < 2; slot++) {
      ByteBuffer b = ByteBuffer.allocate(SLOT);
      if (file.size() < (slot + 1L) * SLOT) {
        continue;
      }
      file.readFully(b, (long) slot * SLOT);
      b.flip();
      sawData |= b.getInt(0) != 0;
      Read r = decode(b, path);
      if (r != null && r.counter > best.counter) {
        best = r;
      }
    }
    return best.counter == 0 && sawData ? new Read(0, best.state, true) : best;
  }

  private static Read decode(ByteBuffer b, Path path) throws IOException {
    int length = Short.toUnsignedInt(b.getShort(6));
    if (b.getInt(0) != MAGIC || FIXED + length + 4 > SLOT || b.getInt(FIXED + length) != crc(b, FIXED + length)) {
      return null;
    }
    int version = Short.toUnsignedInt(b.getShort(4));
    if (version != VERSION) {
      throw new IOException(path + " has state format version " + version + "; this build reads version " + VERSION);
    }
    ByteBuffer list = b.duplicate().position(FIXED).limit(FIXED + length);
    Map<Integer, Long> evicted = new TreeMap<>();
    long n = Payloads.getUnsigned(list);
    for (long i = 0; i < n; i++) {
      evicted.put((int) Payloads.getUnsigned(list), Payloads.getUnsigned(list));
    }
    return new Read(b.getLong(8), new State(0, b.getLong(16), b.getInt(24), evicted), false);
  }

  /** Writes {@code state} to the other slot and forces it; a state older than the last written is skipped. */
  synchronized void write(State state) throws IOException {
    if (state.version() <= writtenVersion) {
      return;
    }
    long next = counter + 1;
    ByteBuffer b = ByteBuffer.allocate(SLOT);
    b.putInt(MAGIC).putShort((short) VERSION).putShort((short) 0).putLong(next)
        .putLong(state.acked()).putInt(state.epoch()).putInt(0);
    Map<Integer, Long> evicted = folded(state.evicted());
    Payloads.putUnsigned(b, evicted.size());
    evicted.forEach((channel, count) -> {
      Payloads.putUnsigned(b, channel);
      Payloads.putUnsigned(b, count);
    });
    int length = b.position() - FIXED;
    b.putShort(6, (short) length);
    b.putInt(crc(b, FIXED + length));
    b.clear();
    file.write(b, (next % 2) * SLOT);
    file.force();
    counter = next;
    writtenVersion = state.version();
  }

  private static Map<Integer, Long> folded(Map<Integer, Long> evicted) {
    Map<Integer, Long> sorted = new TreeMap<>(evicted);
    if (sorted.size() <= MAX_CHANNELS) {
      return sorted;
    }
    Map<Integer, Long> out = new TreeMap<>();
    sorted.forEach((channel, count) -> {
      int key = out.size() < MAX_CHANNELS - 1 || out.containsKey(channel) ? channel : OTHER_CHANNEL;
      out.merge(key, count, Long::sum);
    });
    return out;
  }

  private static int crc(ByteBuffer b, int length) {
    CRC32C crc = new CRC32C();
    crc.update(b.duplicate().position(0).limit(length));
    return (int) crc.getValue();
  }

  @Override
  public void close() throws IOException {
    file.close();
  }
}

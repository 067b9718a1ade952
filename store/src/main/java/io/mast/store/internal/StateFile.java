package io.mast.store.internal;

import io.mast.seams.DurableFiles;
import io.mast.seams.TwoSlotFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * A lane's small persistent state: the acknowledged cursor, the epoch and the evicted counts, in
 * a {@link TwoSlotFile} (two alternating CRC'd slots, the newer valid one wins), so a power cut
 * in the middle of a write tears at most the slot being written and the other still holds the
 * previous state.
 *
 * <pre>
 * TwoSlotFile, magic "MSTA", slots of {@value #SLOT} bytes, payload format version {@value #VERSION}:
 * offset  size  field
 *      0     8  acknowledged sequence number, 0 before the first acknowledgement
 *      8     4  epoch: +1 at every open for writing
 *     12     4  reserved, 0
 *     16     B  readings evicted unsent, per channel: uvarint n, then n x (uvarint channel,
 *               uvarint count); channels past {@value #MAX_CHANNELS} are summed under
 *               channel {@value #OTHER_CHANNEL}
 * </pre>
 *
 * <p>Version 1 (before the state moved onto {@link TwoSlotFile}) counted only B in the slot's
 * length field, so its slots fail the CRC here and the state reads as lost: the store then
 * resends from its oldest record (the platform drops duplicates by sequence) and takes its epoch
 * from the records it scans. Nothing already stored is lost.
 *
 * <p>Not thread safe on its own: {@link #write} is synchronized and ignores a state older than
 * the one last written, because the sync thread and an eviction may race to write.
 */
public final class StateFile implements AutoCloseable {
  public static final int SLOT = 4096;
  public static final int MAGIC = 0x4D535441;
  public static final int VERSION = 2;
  public static final int MAX_CHANNELS = 300;
  public static final int OTHER_CHANNEL = 0x7FFFFFFF;
  private static final int FIXED = 16;

  /** One state: what is written, with the in-memory version that orders concurrent writes. */
  public record State(long version, long acked, int epoch, Map<Integer, Long> evicted) {
    public State {
      evicted = Map.copyOf(evicted);
    }
  }

  /**
   * What the file held: the current state, or a fresh one if both slots are empty, or a fresh
   * one with {@code lost} set if neither slot is valid.
   */
  public record Read(State state, boolean lost) {}

  private final TwoSlotFile file;
  private final Read opened;
  private long writtenVersion = -1;

  private StateFile(TwoSlotFile file, Read opened) {
    this.file = file;
    this.opened = opened;
  }

  /** Opens the state file for writing, creating it with two empty slots when missing. */
  public static StateFile openForWriting(DurableFiles files, Path path) throws IOException {
    TwoSlotFile file = TwoSlotFile.open(files, path, MAGIC, SLOT);
    try {
      return new StateFile(file, decode(file.opened(), path));
    } catch (IOException | RuntimeException e) {
      file.close();
      throw e;
    }
  }

  /** The current state in an existing file; a fresh store's state when it is missing or empty. */
  public static Read readOnly(DurableFiles files, Path path) throws IOException {
    return decode(TwoSlotFile.readOnly(files, path, MAGIC, SLOT), path);
  }

  /** The state as read at open. */
  public Read opened() {
    return opened;
  }

  private static Read decode(TwoSlotFile.Read read, Path path) throws IOException {
    State fresh = new State(0, 0, 0, Map.of());
    if (read.empty()) {
      return new Read(fresh, read.lost());
    }
    if (read.version() != VERSION) {
      throw new IOException(path + " has state format version " + read.version() + "; this build reads version " + VERSION);
    }
    ByteBuffer b = ByteBuffer.wrap(read.payload());
    long acked = b.getLong();
    int epoch = b.getInt();
    b.position(FIXED);
    Map<Integer, Long> evicted = new TreeMap<>();
    long n = Payloads.getUnsigned(b);
    for (long i = 0; i < n; i++) {
      evicted.put((int) Payloads.getUnsigned(b), Payloads.getUnsigned(b));
    }
    return new Read(new State(0, acked, epoch, evicted), false);
  }

  /** Writes {@code state} to the other slot and forces it; a state older than the last written is skipped. */
  public synchronized void write(State state) throws IOException {
    if (state.version() <= writtenVersion) {
      return;
    }
    ByteBuffer b = ByteBuffer.allocate(file.capacity());
    b.putLong(state.acked()).putInt(state.epoch()).putInt(0);
    Map<Integer, Long> evicted = folded(state.evicted());
    Payloads.putUnsigned(b, evicted.size());
    evicted.forEach((channel, count) -> {
      Payloads.putUnsigned(b, channel);
      Payloads.putUnsigned(b, count);
    });
    byte[] payload = new byte[b.position()];
    b.flip().get(payload);
    file.write(VERSION, payload);
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

  @Override
  public void close() throws IOException {
    file.close();
  }
}

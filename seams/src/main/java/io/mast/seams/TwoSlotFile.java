package io.mast.seams;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * A small state that survives a power cut at any instant, in two alternating slots of one
 * preallocated file: the ring store's cursors, and the state of the agents that must resume
 * after a reboot. A write goes to the slot that does not hold the current state and is forced
 * before it counts, so a torn write damages at most that slot and the other still holds the
 * previous state. At open, the valid slot with the higher write counter wins.
 *
 * <pre>
 * slot at offset 0 and at offset S (S = slot size, chosen by the owner), each:
 * offset  size  field
 *      0     4  magic: the owner's, so a file is never read as another's
 *      4     2  format version of the payload: the owner's
 *      6     2  length L of the payload, at most S - 20
 *      8     8  write counter: +1 per write; the valid slot with the higher one is current
 *     16     L  payload
 *   16+L     4  CRC-32C of bytes 0..15+L
 * </pre>
 *
 * <p>Not thread safe: the owner serialises writes.
 */
public final class TwoSlotFile implements AutoCloseable {
  private static final int HEADER = 16;

  /**
   * What the file held at open: the payload of the current slot and its format version, or no
   * payload when both slots are empty (a new file); {@code lost} when both slots held data and
   * neither was valid (the owner decides what a lost state means).
   */
  public record Read(long counter, int version, byte[] payload, boolean lost) {
    public boolean empty() {
      return payload == null;
    }
  }

  private final DurableFiles.DurableFile file;
  private final int magic;
  private final int slot;
  private final Read opened;
  private long counter;

  private TwoSlotFile(DurableFiles.DurableFile file, int magic, int slot, Read opened) {
    this.file = file;
    this.magic = magic;
    this.slot = slot;
    this.opened = opened;
    this.counter = opened.counter();
  }

  /** Opens {@code path} for writing, creating and forcing two empty slots of {@code slotBytes} when missing. */
  public static TwoSlotFile open(DurableFiles files, Path path, int magic, int slotBytes) throws IOException {
    checkSlot(slotBytes);
    boolean fresh = !files.exists(path);
    DurableFiles.DurableFile file = files.open(path);
    try {
      if (fresh || file.size() < 2L * slotBytes) {
        file.write(ByteBuffer.allocate(2 * slotBytes), 0);
        file.force();
        files.syncDirectory(path.toAbsolutePath().getParent());
      }
      return new TwoSlotFile(file, magic, slotBytes, read(file, magic, slotBytes));
    } catch (IOException | RuntimeException e) {
      file.close();
      throw e;
    }
  }

  /** What an existing file holds, without writing; an empty read when the file does not exist. */
  public static Read readOnly(DurableFiles files, Path path, int magic, int slotBytes) throws IOException {
    checkSlot(slotBytes);
    if (!files.exists(path)) {
      return new Read(0, 0, null, false);
    }
    try (DurableFiles.DurableFile file = files.openReadOnly(path)) {
      return read(file, magic, slotBytes);
    }
  }

  private static void checkSlot(int slotBytes) {
    if (slotBytes < HEADER + 4 || slotBytes > 65_535 + HEADER + 4) {
      throw new IllegalArgumentException("slot of " + slotBytes + " bytes is outside " + (HEADER + 4) + ".." + (65_535 + HEADER + 4));
    }
  }

  /** The state as read at open. */
  public Read opened() {
    return opened;
  }

  /** The largest payload a slot takes. */
  public int capacity() {
    return slot - HEADER - 4;
  }

  private static Read read(DurableFiles.DurableFile file, int magic, int slot) throws IOException {
    Read best = new Read(0, 0, null, false);
    boolean sawData = false;
    for (int i = 0; i < 2; i++) {
      if (file.size() < (i + 1L) * slot) {
        continue;
      }
      ByteBuffer b = ByteBuffer.allocate(slot);
      file.readFully(b, (long) i * slot);
      b.flip();
      sawData |= !allZero(b);
      Read r = decode(b, magic, slot);
      if (r != null && r.counter() > best.counter()) {
        best = r;
      }
    }
    return best.counter() == 0 && sawData ? new Read(0, 0, null, true) : best;
  }

  private static boolean allZero(ByteBuffer b) {
    for (int i = 0; i < b.limit(); i++) {
      if (b.get(i) != 0) {
        return false;
      }
    }
    return true;
  }

  private static Read decode(ByteBuffer b, int magic, int slot) {
    int length = Short.toUnsignedInt(b.getShort(6));
    if (b.getInt(0) != magic || HEADER + length + 4 > slot || b.getInt(HEADER + length) != crc(b, HEADER + length)) {
      return null;
    }
    byte[] payload = new byte[length];
    b.get(HEADER, payload);
    return new Read(b.getLong(8), Short.toUnsignedInt(b.getShort(4)), payload, false);
  }

  /**
   * Writes {@code payload} (format {@code version}) to the slot not holding the current state and
   * forces it; when this returns it is the current state, and a power cut during it leaves the
   * previous one.
   *
   * @throws IllegalArgumentException if the payload exceeds {@link #capacity()}
   */
  public void write(int version, byte[] payload) throws IOException {
    if (payload.length > capacity()) {
      throw new IllegalArgumentException("state of " + payload.length + " bytes exceeds the slot's " + capacity());
    }
    long next = counter + 1;
    ByteBuffer b = ByteBuffer.allocate(slot);
    b.putInt(magic).putShort((short) version).putShort((short) payload.length).putLong(next).put(payload);
    b.putInt(crc(b, HEADER + payload.length));
    b.clear();
    file.write(b, (next % 2) * slot);
    file.force();
    counter = next;
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

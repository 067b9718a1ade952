package io.mast.store.internal;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The header at the start of every segment file. A segment file is preallocated full of zeros,
 * so a header of zeros means the slot was never used.
 *
 * <pre>
 * offset  size  field
 *      0     4  magic "MSEG"
 *      4     2  format version, {@value #VERSION}
 *      6     1  lane: 0 readings, 1 alarms
 *      7     1  reserved, 0
 *      8     4  segment size in bytes, this header included
 *     12     4  reserved, 0
 *     16     8  generation: 1 for the first segment a lane writes, +1 for each one after
 *     24     8  sequence number of the segment's first record
 *     32    28  reserved, 0
 *     60     4  CRC-32C of bytes 0..59
 *     64        first record ({@link RecordFormat})
 * </pre>
 *
 * <p>The generation orders the slots of the ring; the first sequence number lets recovery see a
 * gap (a corrupt segment in the middle) and count what it lost.
 */
public record SegmentHeader(int lane, int segmentBytes, long generation, long firstSeq) {
  public static final int BYTES = 64;
  public static final int MAGIC = 0x4D534547;
  /** 2: records keep their commit lag (see {@link RecordFormat}); 1 is read too, without it. */
  public static final int VERSION = 2;

  /** What a slot's first {@value #BYTES} bytes say. */
  public enum Kind { UNUSED, VALID, CORRUPT }

  public ByteBuffer encode() {
    ByteBuffer b = ByteBuffer.allocate(BYTES);
    b.putInt(MAGIC).putShort((short) VERSION).put((byte) lane).put((byte) 0)
        .putInt(segmentBytes).putInt(0).putLong(generation).putLong(firstSeq);
    b.putInt(60, crc(b));
    return b.clear();
  }

  public static Kind kind(ByteBuffer b) {
    boolean zero = true;
    for (int i = 0; i < BYTES && zero; i++) {
      zero = b.get(i) == 0;
    }
    if (zero) {
      return Kind.UNUSED;
    }
    return b.getInt(0) == MAGIC && b.getInt(60) == crc(b) ? Kind.VALID : Kind.CORRUPT;
  }

  /**
   * Decodes a header of kind {@link Kind#VALID}.
   *
   * @throws java.io.IOException if the format version is one this build cannot read
   */
  public static SegmentHeader decode(ByteBuffer b, String where) throws java.io.IOException {
    int version = Short.toUnsignedInt(b.getShort(4));
    if (version != VERSION && version != 1) {
      throw new java.io.IOException(where + " has segment format version " + version
          + "; this build reads version " + VERSION);
    }
    return new SegmentHeader(b.get(6), b.getInt(8), b.getLong(16), b.getLong(24));
  }

  private static int crc(ByteBuffer b) {
    CRC32C crc = new CRC32C();
    crc.update(b.duplicate().position(0).limit(60));
    return (int) crc.getValue();
  }
}

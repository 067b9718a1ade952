package io.mast.store.internal;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The record: one append, as it lies in a segment file. Records follow each other from the end of
 * the segment header; a record never spans two segments.
 *
 * <pre>
 * offset  size  field
 *      0     2  commit lag G: this record's sequence number minus the newest one durable when
 *               it was appended, 1..65535 (65535: that far or more); 0 in segments of format 1,
 *               where it was not kept (big-endian, as every field here)
 *      2     2  payload length L, 1..{@value #MAX_PAYLOAD}
 *      4     4  CRC-32C of bytes 0..3 and 8..19+L (everything but the CRC itself)
 *      8     8  sequence number: 1 for the first record of a lane, +1 per record, never reused
 *     16     4  epoch: the store's open count when the record was written
 *     20     L  payload (see {@link Payloads})
 * </pre>
 *
 * <p>The CRC and the sequence number are there because SD cards do not write sectors atomically:
 * a torn record fails its CRC, and a stale record from an earlier turn of the ring has a sequence
 * number that does not follow. The epoch covers the one case the two miss: after a power cut
 * cuts the tail and recovery appends over it, records of the lost tail may survive beyond the new
 * end; they carry the older epoch, so a later recovery stops there instead of reviving them.
 *
 * <p>The commit lag is what tells bit rot from a torn write at recovery. A record that does not
 * read back, followed by a whole record whose lag says the bad one was already durable when it
 * was appended, was damaged after its commit: it is skipped and counted, and the data goes on.
 * Without that proof the bad record may belong to a batch the power cut tore, and the data ends
 * there, as it must, or records of a lost batch would come back around a hole.
 *
 * <p>After its last record every flushed page is zero-filled, at least {@value #HEADER} bytes
 * beyond it: a scan that meets a zero length has met the clean end of the data. Any other
 * unreadable record where data should go on is a torn or corrupt one.
 */
public final class RecordFormat {
  public static final int HEADER = 20;
  public static final int MAX_RECORD = 65535;
  public static final int MAX_PAYLOAD = MAX_RECORD - HEADER;

  private RecordFormat() {}

  /** The largest commit lag kept; larger ones are kept as this. */
  public static final int MAX_LAG = 0xFFFF;

  /**
   * Writes the record for {@code payload} at {@code out}'s position; {@code durableSeq} is the
   * newest sequence number durable at this moment (below {@code seq}).
   */
  public static void write(ByteBuffer out, long seq, int epoch, ByteBuffer payload, long durableSeq) {
    int start = out.position();
    int length = payload.remaining();
    int lag = (int) Math.max(1, Math.min(MAX_LAG, seq - durableSeq));
    out.putShort((short) lag).putShort((short) length).putInt(0).putLong(seq).putInt(epoch).put(payload);
    out.putInt(start + 4, crc(out, start, length));
  }

  /** The CRC of the record at {@code start} of {@code buffer} whose payload is {@code length} bytes. */
  public static int crc(ByteBuffer buffer, int start, int length) {
    CRC32C crc = new CRC32C();
    crc.update(buffer.duplicate().limit(start + 4).position(start));
    crc.update(buffer.duplicate().limit(start + HEADER + length).position(start + 8));
    return (int) crc.getValue();
  }

  public static int recordBytes(int payloadLength) {
    return HEADER + payloadLength;
  }
}

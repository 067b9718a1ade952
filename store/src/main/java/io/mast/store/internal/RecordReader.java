package io.mast.store.internal;

import io.mast.seams.DurableFiles;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads a segment's records one after another through a chunk buffer (16 KiB, grown only for a
 * record that needs more: a pole keeps one per lane), checking each record's length and CRC. It does not judge sequence numbers or epochs: its caller knows what should
 * come next. Not thread safe.
 */
public final class RecordReader {
  /** What {@link #next()} found. */
  public enum Step {
    /** A record whose length and CRC hold; see {@link #seq()}, {@link #payload()}. */
    RECORD,
    /** Zeros where a record would start, or no room for one: the clean end of the data. */
    END,
    /** Bytes that are not a record: a torn write, corruption, or stale data. */
    BAD
  }

  /** The largest chunk: two of the largest records. */
  private static final int CHUNK = 2 * RecordFormat.MAX_RECORD + 2;
  /** The chunk to start with; it grows to {@link #CHUNK} only when a record needs it (see {@link #load}). */
  static final int FIRST_CHUNK = 16 * 1024;

  private final long limit;
  private DurableFiles.DurableFile file;
  private ByteBuffer chunk = ByteBuffer.allocate(FIRST_CHUNK);
  private long chunkStart;
  private long position;
  private long recordPosition;
  private long seq;
  private int epoch;
  private int lag;
  private ByteBuffer payload;

  /** A reader of files of {@code limit} bytes; {@link #seek} gives it one. */
  public RecordReader(long limit) {
    this.limit = limit;
  }

  /** Goes back to {@code at} in the same file, keeping what is loaded. */
  public void seekWithin(long at) {
    position = at;
  }

  /** Goes to {@code at} in {@code target}. */
  public void seek(DurableFiles.DurableFile target, long at) {
    file = target;
    position = at;
    chunkStart = 0;
    chunk.limit(0);
  }

  public Step next() throws IOException {
    if (position + RecordFormat.HEADER > limit) {
      return Step.END;
    }
    if (!load(position, RecordFormat.HEADER)) {
      return Step.END;
    }
    int at = (int) (position - chunkStart);
    if (chunk.getInt(at) == 0) {
      return Step.END;
    }
    int length = Short.toUnsignedInt(chunk.getShort(at + 2));
    if (length == 0 || length > RecordFormat.MAX_PAYLOAD || position + RecordFormat.HEADER + length > limit) {
      return Step.BAD;
    }
    if (!load(position, RecordFormat.HEADER + length)) {
      return Step.BAD;
    }
    at = (int) (position - chunkStart);
    if (chunk.getInt(at + 4) != RecordFormat.crc(chunk, at, length)) {
      return Step.BAD;
    }
    seq = chunk.getLong(at + 8);
    epoch = chunk.getInt(at + 16);
    lag = Short.toUnsignedInt(chunk.getShort(at));
    payload = chunk.duplicate().limit(at + RecordFormat.HEADER + length).position(at + RecordFormat.HEADER).slice();
    recordPosition = position;
    position += RecordFormat.HEADER + length;
    return Step.RECORD;
  }

  /**
   * Looks for the next record after a bad one: from byte {@code from} on, the first position
   * where a record with a good CRC starts whose sequence number lies in
   * ({@code afterSeq}, {@code beforeSeq}) and whose epoch is at least {@code minEpoch}. Returns
   * true and leaves the reader there (the next {@link #next()} returns that record), or false at
   * the end of the file. Stale records of an earlier turn of the ring or of a lost tail fail the
   * sequence or the epoch, so only data written after the bad record is found.
   *
   * <p>Byte by byte, but a position is judged by its length, sequence and epoch fields before its
   * CRC is computed: a 4 MiB segment takes milliseconds.
   */
  public boolean resync(long from, long afterSeq, long beforeSeq, int minEpoch) throws IOException {
    for (long at = from; at + RecordFormat.HEADER <= limit; at++) {
      if (!load(at, RecordFormat.HEADER)) {
        return false;
      }
      int i = (int) (at - chunkStart);
      int length = Short.toUnsignedInt(chunk.getShort(i + 2));
      long seqHere = chunk.getLong(i + 8);
      if (length < 1 || length > RecordFormat.MAX_PAYLOAD || at + RecordFormat.HEADER + length > limit
          || seqHere <= afterSeq || seqHere >= beforeSeq || chunk.getInt(i + 16) < minEpoch) {
        continue;
      }
      if (!load(at, RecordFormat.HEADER + length)) {
        continue;
      }
      i = (int) (at - chunkStart);
      if (chunk.getInt(i + 4) == RecordFormat.crc(chunk, i, length)) {
        position = at;
        return true;
      }
    }
    return false;
  }

  /** Makes bytes [at, at + n) of the file available in the chunk; false if the file is shorter. */
  private boolean load(long at, int n) throws IOException {
    if (at >= chunkStart && at + n <= chunkStart + chunk.limit()) {
      return true;
    }
    if (n > chunk.capacity()) {
      chunk = ByteBuffer.allocate(Math.min(CHUNK, Math.max(n, 2 * chunk.capacity()))); // a record larger than any so far
    }
    int want = (int) Math.min(chunk.capacity(), limit - at);
    chunk.clear().limit(want);
    long read = 0;
    while (chunk.hasRemaining()) {
      int r = file.read(chunk, at + read);
      if (r < 0) {
        break;
      }
      read += r;
    }
    chunk.flip();
    chunkStart = at;
    return chunk.limit() >= n;
  }

  public long seq() {
    return seq;
  }

  public int epoch() {
    return epoch;
  }

  /**
   * The newest sequence number that was durable when the current record was appended (the
   * record's sequence number minus its commit lag), or -1 where the segment did not keep it.
   */
  public long durableAtAppend() {
    return lag == 0 ? -1 : seq - lag;
  }

  /** The payload of the current record; valid until the next call of {@link #next()}. */
  public ByteBuffer payload() {
    return payload.duplicate();
  }

  public long recordPosition() {
    return recordPosition;
  }

  /** Where the next record would start. */
  public long position() {
    return position;
  }
}

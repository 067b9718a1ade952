package io.mast.protocol.internal;

import io.mast.protocol.FrameFormatException;

/**
 * Reads what {@link BitWriter} wrote, refusing to read past the end. Every loop in here is
 * bounded by a constant or by the bits left, so hostile input ends in a
 * {@link FrameFormatException}, never in a hang or an out-of-memory error.
 *
 * <p>Not thread-safe.
 */
public final class BitReader {
  private final byte[] bytes;
  private final long limit;
  private long position;

  public BitReader(byte[] bytes) {
    this.bytes = bytes;
    this.limit = 8L * bytes.length;
  }

  public long remaining() {
    return limit - position;
  }

  public int bit() throws FrameFormatException {
    if (position >= limit) {
      throw new FrameFormatException("frame body truncated at bit " + position);
    }
    int b = (bytes[(int) (position >>> 3)] >>> (7 - (position & 7))) & 1;
    position++;
    return b;
  }

  public long bits(int n) throws FrameFormatException {
    if (n > remaining()) {
      throw new FrameFormatException(
          "frame body truncated: " + n + " bits needed at bit " + position + ", " + remaining() + " left");
    }
    long v = 0;
    for (int i = 0; i < n; i++) {
      v = (v << 1) | bit();
    }
    return v;
  }

  public long expGolomb() throws FrameFormatException {
    int zeros = 0;
    while (bit() == 0) {
      if (++zeros > 32) {
        throw new FrameFormatException("exp-Golomb code longer than 32 bits at bit " + position);
      }
    }
    return ((1L << zeros) | bits(zeros)) - 1;
  }

  public long big() throws FrameFormatException {
    long length = expGolomb();
    if (length > 64) {
      throw new FrameFormatException("number of " + length + " bits exceeds 64 at bit " + position);
    }
    if (length == 0) {
      return 0;
    }
    return (1L << (length - 1)) | bits((int) length - 1);
  }

  public long rice(int k) throws FrameFormatException {
    int q = 0;
    while (bit() == 1) {
      if (++q == BitWriter.RICE_ESCAPE) {
        return big();
      }
    }
    return ((long) q << k) | bits(k);
  }

  public long varint() throws FrameFormatException {
    long v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      long group = bits(8);
      v |= (group & 0x7F) << shift;
      if ((group & 0x80) == 0) {
        return v;
      }
    }
    throw new FrameFormatException("varint longer than 10 groups at bit " + position);
  }

  /** Skips the zero padding to the next byte boundary and returns that byte's index. */
  public int alignToByte() throws FrameFormatException {
    int pad = (int) ((8 - (position & 7)) & 7);
    if (pad > 0 && bits(pad) != 0) {
      throw new FrameFormatException("frame body has non-zero padding bits at bit " + (position - pad));
    }
    return (int) (position >>> 3);
  }

  public int length() {
    return bytes.length;
  }

  byte[] bytes() {
    return bytes;
  }
}

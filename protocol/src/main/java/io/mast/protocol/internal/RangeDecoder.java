package io.mast.protocol.internal;

import io.mast.protocol.FrameFormatException;

/**
 * Decodes what {@link RangeEncoder} wrote from {@code bytes[from..]}. Past the end it supplies
 * the {@link #VIRTUAL_ZEROS} zero bytes the encoder may have trimmed, and no more: a stream that
 * needs more is truncated and refused.
 */
final class RangeDecoder {
  /** Zero bytes the encoder may trim from the end and the decoder supplies. */
  static final int VIRTUAL_ZEROS = 4;

  private final byte[] bytes;
  private int virtualZeros;
  private int position;
  private long range = 0xFFFF_FFFFL;
  private long code;

  RangeDecoder(byte[] bytes, int from) throws FrameFormatException {
    this.bytes = bytes;
    this.position = from;
    for (int i = 0; i < 4; i++) {
      code = (code << 8) | next();
    }
  }

  int bit(BitModel model) throws FrameFormatException {
    long bound = (range >>> 16) * model.p0();
    int bit;
    if (code < bound) {
      range = bound;
      bit = 0;
    } else {
      code -= bound;
      range -= bound;
      bit = 1;
    }
    model.update(bit);
    normalize();
    return bit;
  }

  int direct() throws FrameFormatException {
    range >>>= 1;
    int bit = code >= range ? 1 : 0;
    if (bit == 1) {
      code -= range;
    }
    normalize();
    return bit;
  }

  private void normalize() throws FrameFormatException {
    while (range < RangeEncoder.TOP) {
      range = (range << 8) & 0xFFFF_FFFFL;
      code = ((code << 8) | next()) & 0xFFFF_FFFFL;
    }
  }

  private int next() throws FrameFormatException {
    if (position >= bytes.length) {
      if (++virtualZeros > VIRTUAL_ZEROS) {
        throw new FrameFormatException("range-coded residuals truncated at byte " + bytes.length);
      }
      return 0;
    }
    return bytes[position++] & 0xFF;
  }

  /**
   * Whether the stream ended as {@link RangeEncoder#finish} ends one: it trims trailing zero
   * bytes up to {@link #VIRTUAL_ZEROS}, so unless all of those were supplied, the last real byte
   * is not zero. Catches zero bytes appended to a frame.
   */
  boolean endedCanonically(int from) {
    return virtualZeros == VIRTUAL_ZEROS || (bytes.length > from && bytes[bytes.length - 1] != 0);
  }

  /** Real bytes left unread; a stream written by {@link RangeEncoder} leaves none. */
  int remaining() {
    return Math.max(0, bytes.length - position);
  }
}

package io.mast.protocol.internal;

import io.mast.protocol.FrameFormatException;

/**
 * Decodes what {@link RangeEncoder} wrote from {@code bytes[from..]}. Never reads past the end:
 * a stream that needs more bytes than it has is truncated and refused.
 */
final class RangeDecoder {
  private final byte[] bytes;
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
      throw new FrameFormatException("range-coded residuals truncated at byte " + position);
    }
    return bytes[position++] & 0xFF;
  }

  /** Bytes left unread; a stream written by {@link RangeEncoder} leaves none. */
  int remaining() {
    return bytes.length - position;
  }
}

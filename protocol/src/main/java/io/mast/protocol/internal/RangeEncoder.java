package io.mast.protocol.internal;

import java.io.ByteArrayOutputStream;

/**
 * A binary range coder in the style of LZMA's: 32-bit range, carry propagation through a cached
 * byte, probabilities of 16 bits. It codes bits with an adaptive {@link BitModel} or as direct
 * (equiprobable) bits. LZMA's always-zero first byte is not written, and
 * trailing zero bytes are trimmed (see {@link #finish}). Not thread-safe.
 */
final class RangeEncoder {
  static final long TOP = 1L << 24;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private long low;
  private long range = 0xFFFF_FFFFL;
  private int cache;
  private long cacheSize = 1;
  private boolean first = true;

  void bit(BitModel model, int bit) {
    long bound = (range >>> 16) * model.p0();
    if (bit == 0) {
      range = bound;
    } else {
      low += bound;
      range -= bound;
    }
    model.update(bit);
    normalize();
  }

  void direct(int bit) {
    range >>>= 1;
    if (bit != 0) {
      low += range;
    }
    normalize();
  }

  private void normalize() {
    while (range < TOP) {
      range = (range << 8) & 0xFFFF_FFFFL;
      shiftLow();
    }
  }

  private void shiftLow() {
    if (low < 0xFF00_0000L || low > 0xFFFF_FFFFL) {
      int carry = (int) (low >>> 32);
      int temp = cache;
      do {
        if (!first) {
          out.write((temp + carry) & 0xFF);
        }
        first = false;
        temp = 0xFF;
      } while (--cacheSize != 0);
      cache = (int) ((low >>> 24) & 0xFF);
    }
    cacheSize++;
    low = (low & 0x00FF_FFFFL) << 8;
  }

  /**
   * Ends the stream with the value of the final interval that has the most trailing zero bits,
   * then drops up to four trailing zero bytes, which {@link RangeDecoder} supplies again.
   */
  byte[] finish() {
    low = (low + 0xFF_FFFFL) & ~0xFF_FFFFL;
    for (int i = 0; i < 5; i++) {
      shiftLow();
    }
    byte[] bytes = out.toByteArray();
    int length = bytes.length;
    while (length > 0 && bytes.length - length < RangeDecoder.VIRTUAL_ZEROS && bytes[length - 1] == 0) {
      length--;
    }
    return java.util.Arrays.copyOf(bytes, length);
  }
}

package io.mast.protocol.internal;

import java.util.Arrays;

/**
 * Appends bits most-significant first into a growing byte array, with the universal codes the
 * frame body uses. The last byte is padded with zero bits.
 *
 * <p>Codes (each mirrored by {@link BitReader}):
 * <ul>
 *   <li>{@code bits(v, n)}: the low n bits of v, n in 0..64;
 *   <li>{@code expGolomb(v)}: order-0 exponential Golomb, for small structural numbers below 2^32
 *       (0 -> "1", 1 -> "010", 2 -> "011", 3 -> "00100");
 *   <li>{@code big(v)}: any 64-bit pattern as its bit length L in exp-Golomb, then the L-1 bits
 *       below the leading one (0 -> "1", 1 -> "010", 300000 -> 9 + 18 bits);
 *   <li>{@code rice(v, k)}: q = v >>> k in unary (q ones, a zero) then the low k bits; when q
 *       reaches {@link #RICE_ESCAPE} the unary stops at that many ones and {@code big(v)} follows,
 *       so an outlier costs at most 16 + 75 bits instead of a 2^k-sized unary run.
 * </ul>
 *
 * <p>Not thread-safe; one writer per frame being encoded.
 */
public final class BitWriter {
  /** Unary quotients at or above this are escaped to {@code big(v)}. */
  public static final int RICE_ESCAPE = 16;

  private byte[] bytes = new byte[64];
  private long bitLength;

  /** Appends the low {@code n} bits of {@code value}, most significant first. */
  public void bits(long value, int n) {
    if (n < 0 || n > 64) {
      throw new IllegalArgumentException("bit count " + n + " is outside 0..64");
    }
    for (int i = n - 1; i >= 0; i--) {
      bit((int) (value >>> i) & 1);
    }
  }

  public void bit(int b) {
    int index = (int) (bitLength >>> 3);
    if (index == bytes.length) {
      bytes = Arrays.copyOf(bytes, bytes.length * 2);
    }
    if (b != 0) {
      bytes[index] |= (byte) (0x80 >>> (bitLength & 7));
    }
    bitLength++;
  }

  public void expGolomb(long value) {
    if (value < 0 || value >= (1L << 32)) {
      throw new IllegalArgumentException("exp-Golomb value " + value + " is outside 0..2^32-1");
    }
    long v = value + 1;
    int length = 64 - Long.numberOfLeadingZeros(v);
    bits(0, length - 1);
    bits(v, length);
  }

  public void big(long value) {
    int length = 64 - Long.numberOfLeadingZeros(value);
    expGolomb(length);
    if (length > 1) {
      bits(value, length - 1);
    }
  }

  public void rice(long value, int k) {
    long q = value >>> k;
    if (Long.compareUnsigned(q, RICE_ESCAPE) >= 0) {
      bits(-1L, RICE_ESCAPE);
      big(value);
      return;
    }
    bits(-1L, (int) q);
    bit(0);
    bits(value, k);
  }

  /** LEB128-style groups of 7 bits, least significant group first, each behind a "more" bit. */
  public void varint(long value) {
    long v = value;
    while ((v & ~0x7FL) != 0) {
      bits(0x80 | (v & 0x7F), 8);
      v >>>= 7;
    }
    bits(v, 8);
  }

  public long bitLength() {
    return bitLength;
  }

  public byte[] toByteArray() {
    return Arrays.copyOf(bytes, (int) ((bitLength + 7) >>> 3));
  }

  // Costs in bits of the codes above, so that encoders can choose before they write.

  public static int expGolombCost(long value) {
    return 2 * (64 - Long.numberOfLeadingZeros(value + 1)) - 1;
  }

  public static int bigCost(long value) {
    return bigCostOfLength(64 - Long.numberOfLeadingZeros(value));
  }

  /** {@link #bigCost} of any value {@code length} bits long. */
  public static int bigCostOfLength(int length) {
    return expGolombCost(length) + Math.max(0, length - 1);
  }

  public static long riceCost(long value, int k) {
    long q = value >>> k;
    if (Long.compareUnsigned(q, RICE_ESCAPE) >= 0) {
      return RICE_ESCAPE + bigCost(value);
    }
    return q + 1 + k;
  }

  public static int varintCost(long value) {
    int length = Math.max(1, 64 - Long.numberOfLeadingZeros(value));
    return 8 * ((length + 6) / 7);
  }
}

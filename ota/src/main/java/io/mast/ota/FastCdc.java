package io.mast.ota;

import java.util.ArrayList;
import java.util.List;

/**
 * Content-defined chunk boundaries (FastCDC: a gear rolling hash with normalized chunking, Xia et
 * al., USENIX ATC 2016), so that an unchanged stretch of a file yields the same chunks in every
 * release and a pole fetches only what changed.
 *
 * <p>Chunks are at least {@value #MIN}, about {@value #AVG} and at most {@value #MAX} bytes (the
 * last chunk of a file may be shorter than the minimum). Before the average size the cut needs
 * {@value #BITS_SMALL} hash bits to be zero (cuts are rarer), after it {@value #BITS_LARGE}
 * (cuts are likelier), which narrows the spread of sizes around the average.
 *
 * <p><b>Part of the bundle format.</b> The gear table (SplitMix64 from a fixed seed), the masks
 * and the sizes decide every boundary; changing any of them changes every chunk of every file and
 * so makes the next update a full download. Bundles carry format 1 for this chunker.
 *
 * <p>Stateless and thread-safe.
 */
public final class FastCdc {
  public static final int MIN = 2 * 1024;
  public static final int AVG = 8 * 1024;
  public static final int MAX = 64 * 1024;
  static final int BITS_SMALL = 15;
  static final int BITS_LARGE = 11;
  /** The bundle format these boundaries belong to. */
  public static final int FORMAT = 1;

  private static final long[] GEAR = gear(0x6d61737420636463L); // "mast cdc"
  private static final long MASK_SMALL = mask(BITS_SMALL);
  private static final long MASK_LARGE = mask(BITS_LARGE);

  private FastCdc() {}

  /** The lengths of the chunks of {@code data[from, to)}, in order; empty for an empty range. */
  public static List<Integer> cut(byte[] data, int from, int to) {
    List<Integer> out = new ArrayList<>();
    int at = from;
    while (at < to) {
      int n = next(data, at, to);
      out.add(n);
      at += n;
    }
    return out;
  }

  public static List<Integer> cut(byte[] data) {
    return cut(data, 0, data.length);
  }

  /** The chunks of {@code data} themselves, in order. */
  public static List<byte[]> pieces(byte[] data) {
    List<byte[]> out = new ArrayList<>();
    int at = 0;
    for (int n : cut(data)) {
      out.add(java.util.Arrays.copyOfRange(data, at, at + n));
      at += n;
    }
    return out;
  }

  /** The length of the chunk that starts at {@code from} in {@code data[from, to)}. */
  static int next(byte[] data, int from, int to) {
    int n = to - from;
    if (n <= MIN) {
      return n;
    }
    if (n > MAX) {
      n = MAX;
    }
    int normal = Math.min(n, AVG);
    long fp = 0;
    int i = MIN;
    for (; i < normal; i++) {
      fp = (fp << 1) + GEAR[data[from + i] & 0xff];
      if ((fp & MASK_SMALL) == 0) {
        return i;
      }
    }
    for (; i < n; i++) {
      fp = (fp << 1) + GEAR[data[from + i] & 0xff];
      if ((fp & MASK_LARGE) == 0) {
        return i;
      }
    }
    return n;
  }

  /** {@code bits} one-bits spread over the upper 48 bits, which depend on the last 48 bytes hashed. */
  static long mask(int bits) {
    long m = 0;
    int step = 48 / bits;
    for (int k = 0; k < bits; k++) {
      m |= 1L << (63 - k * step);
    }
    return m;
  }

  private static long[] gear(long seed) {
    long[] g = new long[256];
    long x = seed;
    for (int i = 0; i < 256; i++) {
      x += 0x9e3779b97f4a7c15L;
      long z = x;
      z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
      z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
      g[i] = z ^ (z >>> 31);
    }
    return g;
  }
}

package io.mast.protocol.internal;

import io.mast.protocol.FrameFormatException;

/**
 * Codes a sequence of unsigned 64-bit numbers (zigzagged deltas, offsets, ids) whose length the
 * reader already knows, choosing the cheapest of four modes for the sequence at hand.
 *
 * <pre>
 * mode (2 bits)  parameters            then, for the n values
 * 00 ZERO        -                     nothing: every value is 0 (a steady counter, a grid)
 * 01 RICE        k: expGolomb          rice(v, k) each
 * 10 RUNS        kz, kv: expGolomb     tokens: rice(zero run, kz), then, unless the n values
 *                                      are complete, rice(v - 1, kv) for the non-zero value
 *                                      that ends the run; the last token is a run (maybe 0)
 * 11 VARINT      -                     varint(v) each (7-bit groups)
 * </pre>
 *
 * <p>The parameters are chosen by exact cost, not estimated: every k from 0 to 63 is priced,
 * which is cheap for the few hundred values a frame holds. RUNS is what makes long zero runs in
 * counters (a water meter at night) cost a few bits per run instead of a bit per reading.
 * An empty sequence writes nothing at all.
 */
public final class ResidualCoder {
  static final int ZERO = 0;
  static final int RICE = 1;
  static final int RUNS = 2;
  static final int VARINT = 3;
  private static final int MAX_K = 63;
  /** A Rice code escapes once the quotient reaches {@link BitWriter#RICE_ESCAPE} = 2^4. */
  private static final int BITS_BEFORE_ESCAPE = 4;

  private ResidualCoder() {}

  /** A chosen mode with its parameters and its exact cost in bits, header included. */
  record Choice(int mode, int k, int kz, long bits) {}

  public static long cost(long[] values, int from, int to) {
    return choose(values, from, to).bits();
  }

  public static void write(BitWriter out, long[] values, int from, int to) {
    if (from < to) {
      write(out, values, from, to, choose(values, from, to));
    }
  }

  /** Writes values with a choice already made for exactly them by {@link #choose}. */
  static void write(BitWriter out, long[] values, int from, int to, Choice c) {
    out.bits(c.mode(), 2);
    switch (c.mode()) {
      case ZERO -> { }
      case RICE -> {
        out.expGolomb(c.k());
        for (int i = from; i < to; i++) {
          out.rice(values[i], c.k());
        }
      }
      case RUNS -> writeRuns(out, values, from, to, c.kz(), c.k());
      default -> {
        for (int i = from; i < to; i++) {
          out.varint(values[i]);
        }
      }
    }
  }

  /** Reads {@code n} values into {@code into[from..from+n)}. */
  public static void read(BitReader in, long[] into, int from, int n) throws FrameFormatException {
    if (n == 0) {
      return;
    }
    int mode = (int) in.bits(2);
    int to = from + n;
    switch (mode) {
      case ZERO -> java.util.Arrays.fill(into, from, to, 0L);
      case RICE -> {
        int k = readK(in);
        for (int i = from; i < to; i++) {
          into[i] = in.rice(k);
        }
      }
      case RUNS -> readRuns(in, into, from, to);
      default -> {
        for (int i = from; i < to; i++) {
          into[i] = in.varint();
        }
      }
    }
  }

  private static int readK(BitReader in) throws FrameFormatException {
    long k = in.expGolomb();
    if (k > MAX_K) {
      throw new FrameFormatException("Rice parameter " + k + " exceeds " + MAX_K);
    }
    return (int) k;
  }

  private static void writeRuns(BitWriter out, long[] values, int from, int to, int kz, int kv) {
    out.expGolomb(kz);
    out.expGolomb(kv);
    long run = 0;
    for (int i = from; i < to; i++) {
      if (values[i] == 0) {
        run++;
      } else {
        out.rice(run, kz);
        out.rice(values[i] - 1, kv);
        run = 0;
      }
    }
    out.rice(run, kz);
  }

  private static void readRuns(BitReader in, long[] into, int from, int to) throws FrameFormatException {
    int kz = readK(in);
    int kv = readK(in);
    int i = from;
    while (true) {
      long run = in.rice(kz);
      if (Long.compareUnsigned(run, to - i) > 0) {
        throw new FrameFormatException("zero run of " + Long.toUnsignedString(run) + " overruns the " + (to - i) + " values left");
      }
      java.util.Arrays.fill(into, i, i + (int) run, 0L);
      i += (int) run;
      if (i == to) {
        return;
      }
      into[i++] = in.rice(kv) + 1;
    }
  }

  static Choice choose(long[] values, int from, int to) {
    boolean allZero = true;
    long varintBits = 2;
    for (int i = from; i < to; i++) {
      allZero &= values[i] == 0;
      varintBits += BitWriter.varintCost(values[i]);
    }
    if (allZero) {
      return new Choice(ZERO, 0, 0, 2);
    }
    Choice best = new Choice(VARINT, 0, 0, varintBits);
    int riceK = bestK(values, from, to, false);
    long riceBits = 2 + BitWriter.expGolombCost(riceK) + riceSum(values, from, to, riceK, false);
    if (riceBits < best.bits()) {
      best = new Choice(RICE, riceK, 0, riceBits);
    }
    Choice runs = runsChoice(values, from, to);
    return runs.bits() < best.bits() ? runs : best;
  }

  private static Choice runsChoice(long[] values, int from, int to) {
    int kv = bestK(values, from, to, true);
    int kz = bestRunK(values, from, to);
    long bits = 2 + BitWriter.expGolombCost(kz) + BitWriter.expGolombCost(kv)
        + riceSum(values, from, to, kv, true) + runSum(values, from, to, kz);
    return new Choice(RUNS, kv, kz, bits);
  }

  /** The k minimising the Rice cost of the values (non-zero values minus one, when nonZeroOnly). */
  /**
   * The Rice parameter with the fewest bits, the smallest on a tie. Only k up to the bit length of
   * the largest value can win: from there on every quotient is 0 and each further k costs one more
   * bit per value, so the search stops there. A value escapes at k exactly when its bit length is
   * at least k + 5, and its escape costs what its bit length says, so escapes are summed from a
   * count of values per bit length. The same choice as trying every k with {@link #riceSum}, in a
   * fraction of the time.
   */
  private static int bestK(long[] values, int from, int to, boolean nonZeroOnly) {
    int[] byLength = new int[65];
    for (int i = from; i < to; i++) {
      if (!nonZeroOnly) {
        byLength[64 - Long.numberOfLeadingZeros(values[i])]++;
      } else if (values[i] != 0) {
        byLength[64 - Long.numberOfLeadingZeros(values[i] - 1)]++;
      }
    }
    int longest = 64;
    while (longest > 0 && byLength[longest] == 0) {
      longest--;
    }
    int bestK = 0;
    long bestBits = Long.MAX_VALUE;
    for (int k = 0; k <= Math.min(MAX_K, longest); k++) {
      long bits = BitWriter.expGolombCost(k);
      for (int length = k + BITS_BEFORE_ESCAPE + 1; length <= longest; length++) {
        bits += (long) byLength[length] * (BitWriter.RICE_ESCAPE + BitWriter.bigCostOfLength(length));
      }
      for (int i = from; i < to; i++) {
        long v = values[i];
        if (nonZeroOnly) {
          if (v == 0) {
            continue;
          }
          v--;
        }
        long q = v >>> k;
        if (q < BitWriter.RICE_ESCAPE && q >= 0) {
          bits += q + 1 + k;
        }
      }
      if (bits < bestBits) {
        bestBits = bits;
        bestK = k;
      }
    }
    return bestK;
  }

  private static long riceSum(long[] values, int from, int to, int k, boolean nonZeroOnly) {
    long bits = 0;
    for (int i = from; i < to; i++) {
      if (!nonZeroOnly) {
        bits += BitWriter.riceCost(values[i], k);
      } else if (values[i] != 0) {
        bits += BitWriter.riceCost(values[i] - 1, k);
      }
    }
    return bits;
  }

  /** As {@link #bestK}, for the zero-run lengths: k past the longest run's bit length cannot win. */
  private static int bestRunK(long[] values, int from, int to) {
    long longestRun = 0;
    long run = 0;
    for (int i = from; i < to; i++) {
      run = values[i] == 0 ? run + 1 : 0;
      longestRun = Math.max(longestRun, run);
    }
    int lastK = Math.min(20, 64 - Long.numberOfLeadingZeros(longestRun));
    int bestK = 0;
    long bestBits = Long.MAX_VALUE;
    for (int k = 0; k <= lastK; k++) {
      long bits = runSum(values, from, to, k) + BitWriter.expGolombCost(k);
      if (bits < bestBits) {
        bestBits = bits;
        bestK = k;
      }
    }
    return bestK;
  }

  private static long runSum(long[] values, int from, int to, int kz) {
    long bits = 0;
    long run = 0;
    for (int i = from; i < to; i++) {
      if (values[i] == 0) {
        run++;
      } else {
        bits += BitWriter.riceCost(run, kz);
        run = 0;
      }
    }
    return bits + BitWriter.riceCost(run, kz);
  }
}

package io.mast.protocol.internal;

import io.mast.protocol.FrameFormatException;

/**
 * Codes the residual sequences of one block (all time residuals, or all value residuals, of a
 * frame) with a range coder and a small adaptive context model; the alternative to the
 * bit-packed {@link ResidualCoder} when it is smaller.
 *
 * <p>Each unsigned residual v is binarised as:
 * <pre>
 * zero?       1 bit, context = zeros just before it in this sequence (0..4)
 * bit length  L = 1..64 in unary (L-1 ones, a zero unless L = 64), context = position
 * mantissa    the L-1 bits below the leading one: the first six adaptive
 *             (context = L, position), the rest direct
 * </pre>
 * The zero-run context is what captures the structure order-0 codes miss: a counter idle at
 * night, or a meter whose clock moves every fourth reading. Contexts are shared by all
 * sequences of the block and start fair in every frame, so frames stay self-contained.
 * One instance per block; not thread-safe.
 */
final class AdaptiveResidualCoder {
  private static final int RUN_CONTEXTS = 5;
  private static final int ADAPTIVE_MANTISSA_BITS = 6;

  private final BitModel[] zero = models(RUN_CONTEXTS);
  private final BitModel[] length = models(65);
  private final BitModel[][] mantissa = new BitModel[65][];

  AdaptiveResidualCoder() {
    for (int i = 0; i < mantissa.length; i++) {
      mantissa[i] = models(ADAPTIVE_MANTISSA_BITS);
    }
  }

  private static BitModel[] models(int n) {
    BitModel[] m = new BitModel[n];
    for (int i = 0; i < n; i++) {
      m[i] = new BitModel();
    }
    return m;
  }

  void write(RangeEncoder out, long[] sequence) {
    int run = 0;
    for (long v : sequence) {
      out.bit(zero[Math.min(run, RUN_CONTEXTS - 1)], v == 0 ? 0 : 1);
      if (v == 0) {
        run++;
        continue;
      }
      BitModel[] lengthModels = length;
      run = 0;
      int bits = 64 - Long.numberOfLeadingZeros(v);
      for (int i = 1; i < bits; i++) {
        out.bit(lengthModels[i], 1);
      }
      if (bits < 64) {
        out.bit(lengthModels[bits], 0);
      }
      for (int i = bits - 2, position = 0; i >= 0; i--, position++) {
        int b = (int) (v >>> i) & 1;
        if (position < ADAPTIVE_MANTISSA_BITS) {
          out.bit(mantissa[bits][position], b);
        } else {
          out.direct(b);
        }
      }
    }
  }

  void read(RangeDecoder in, long[] into) throws FrameFormatException {
    int run = 0;
    for (int k = 0; k < into.length; k++) {
      if (in.bit(zero[Math.min(run, RUN_CONTEXTS - 1)]) == 0) {
        into[k] = 0;
        run++;
        continue;
      }
      BitModel[] lengthModels = length;
      run = 0;
      int bits = 1;
      while (bits < 64 && in.bit(lengthModels[bits]) == 1) {
        bits++;
      }
      long v = 1;
      for (int position = 0; position < bits - 1; position++) {
        int b = position < ADAPTIVE_MANTISSA_BITS ? in.bit(mantissa[bits][position]) : in.direct();
        v = (v << 1) | b;
      }
      into[k] = v;
    }
  }
}

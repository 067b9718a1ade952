package io.mast.protocol.internal;

/**
 * The adaptive probability that the next bit of one context is 0, in 1/65536 steps. It learns
 * fast from a fair start: the first observations move it by 1/2, 1/3, 1/4 ..., as a counting
 * estimator does, down to a floor of 1/32 per observation, so that a context seen only a dozen
 * times in a small frame is already well estimated. Never reaches 0 or 1.
 */
final class BitModel {
  private static final int LIMIT = 30;
  private static final int MIN = 64;
  private static final int MAX = 65_536 - 64;

  private int p0 = 32_768;
  private int seen;

  int p0() {
    return p0;
  }

  void update(int bit) {
    if (seen < LIMIT) {
      seen++;
    }
    int target = bit == 0 ? 65_536 : 0;
    p0 += (target - p0) / (seen + 1);
    p0 = Math.max(MIN, Math.min(MAX, p0));
  }
}

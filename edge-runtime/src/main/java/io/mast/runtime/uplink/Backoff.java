package io.mast.runtime.uplink;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Reconnect delays: exponential growth with full jitter. The ceiling starts at {@code min},
 * doubles after every failed attempt up to {@code max}, and each delay is drawn uniformly from
 * [0, ceiling]. When a cell comes back, thousands of poles that lost it together spread their
 * reconnects over the whole ceiling instead of arriving in waves.
 */
final class Backoff {
  private final long minMillis;
  private final long maxMillis;
  private final RandomGenerator random;
  private int failures;

  Backoff(Duration min, Duration max, RandomGenerator random) {
    if (min.isNegative() || min.isZero() || max.compareTo(min) < 0) {
      throw new IllegalArgumentException("backoff needs 0 < min <= max, got " + min + " and " + max);
    }
    this.minMillis = min.toMillis();
    this.maxMillis = max.toMillis();
    this.random = random;
  }

  /** The delay before the next attempt, after one more failure. */
  Duration next() {
    long ceiling = ceiling();
    failures = Math.min(failures + 1, 62);
    return Duration.ofMillis(random.nextLong(ceiling + 1));
  }

  /** The current ceiling: min x 2^failures, at most max. */
  long ceiling() {
    long c = minMillis;
    for (int i = 0; i < failures && c < maxMillis; i++) {
      c *= 2;
    }
    return Math.min(c, maxMillis);
  }

  void reset() {
    failures = 0;
  }
}

package io.mast.runtime.uplink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void theCeilingDoublesFromTheMinimumToTheMaximumAndEveryDelayIsDrawnBelowIt() {
    Backoff b = new Backoff(Duration.ofMillis(1000), Duration.ofSeconds(600), new Random(7));
    long[] ceilings = {1000, 2000, 4000, 8000, 16_000, 32_000, 64_000, 128_000, 256_000, 512_000, 600_000, 600_000};
    for (long ceiling : ceilings) {
      assertEquals(ceiling, b.ceiling());
      long delay = b.next().toMillis();
      assertTrue(delay >= 0 && delay <= ceiling, delay + " within [0, " + ceiling + "]");
    }
    b.reset();
    assertEquals(1000, b.ceiling(), "a successful connection starts over");
  }

  @Test
  void fullJitterSpreadsPolesThatLostTheCellTogetherOverTheWholeCeiling() {
    // 10,000 poles at their fifth failure: their delays fill [0, 16 s] evenly, not a wave at 16 s
    int[] buckets = new int[4];
    Random random = new Random(1);
    for (int pole = 0; pole < 10_000; pole++) {
      Backoff b = new Backoff(Duration.ofMillis(1000), Duration.ofSeconds(600), random);
      for (int i = 0; i < 4; i++) {
        b.next();
      }
      buckets[(int) Math.min(3, b.next().toMillis() / 4000)]++;
    }
    for (int count : buckets) {
      assertTrue(count > 2200 && count < 2800, java.util.Arrays.toString(buckets));
    }
  }

  @Test
  void settingsThatCannotBackOffAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), new Random()));
    assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), new Random()));
  }
}

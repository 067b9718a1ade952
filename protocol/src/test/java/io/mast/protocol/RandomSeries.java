package io.mast.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Random but plausible pole readings for codec tests: the three channels of FrameCodecTest.POLE. */
final class RandomSeries {
  private RandomSeries() {}

  static List<Reading> pole(Random random, long start, int samples) {
    List<Reading> out = new ArrayList<>();
    long pm = 20;
    long temp = 150;
    long water = 1_000_000;
    for (int i = 0; i < samples; i++) {
      long t = start + 10L * i;
      if (random.nextInt(10) > 0) {
        pm = Math.max(0, pm + random.nextInt(7) - 3);
        out.add(new Reading(0, t, pm));
      }
      temp += random.nextInt(3) - 1;
      out.add(new Reading(1, t + (random.nextInt(8) == 0 ? random.nextInt(3) : 0), temp));
      if (i % 360 == 0) {
        water += random.nextInt(4) == 0 ? random.nextInt(500) : 0;
        out.add(new Reading(2, t + random.nextInt(20), water));
      }
    }
    return out;
  }
}

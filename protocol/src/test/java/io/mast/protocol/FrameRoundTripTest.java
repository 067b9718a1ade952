package io.mast.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Property tests: whatever the readings, frames respect the size limit and decode to exactly them. */
class FrameRoundTripTest {
  private static final int CHANNELS = 12;

  private static ChannelProfile profile(Random random) {
    List<Channel> channels = new ArrayList<>();
    for (int i = 0; i < CHANNELS; i++) {
      channels.add(new Channel(i, "ch" + i, "", random.nextInt(7) - 4, 1 + random.nextInt(3600),
          random.nextBoolean() ? Channel.Kind.GAUGE : Channel.Kind.COUNTER, ""));
    }
    return ChannelProfile.of(channels);
  }

  /** One channel's series in one of several shapes, all of which real poles produce or hostile peers send. */
  private static void series(Random random, int channel, int interval, long start, List<Reading> out) {
    int n = 1 + random.nextInt(random.nextInt(4) == 0 ? 2 : 400);
    int shape = random.nextInt(7);
    long t = start + random.nextInt(1000);
    long v = switch (random.nextInt(4)) {
      case 0 -> random.nextLong();
      case 1 -> -random.nextInt(1000);
      case 2 -> Long.MAX_VALUE - random.nextInt(10);
      default -> random.nextInt(1_000_000);
    };
    for (int i = 0; i < n; i++) {
      switch (shape) {
        case 0 -> t += interval; // regular grid
        case 1 -> t += interval * (random.nextInt(5) == 0 ? 1 + random.nextInt(4) : 1); // grid with gaps
        case 2 -> t += interval + random.nextInt(21) - 10; // jitter
        case 3 -> t += random.nextInt(3); // irregular, with duplicate timestamps
        case 4 -> t += random.nextInt(100_000); // sparse
        default -> t += interval;
      }
      out.add(new Reading(channel, t, v));
      v += switch (shape) {
        case 5 -> random.nextInt(10) < 8 ? 0 : random.nextInt(50); // counter with long zero runs
        case 6 -> random.nextLong(); // full-range noise, wrapping
        default -> random.nextInt(41) - 20;
      };
    }
  }

  @Test
  void randomSeriesRoundTripExactlyInFramesWithinTheLimit() throws Exception {
    Random random = new Random(2024);
    for (int trial = 0; trial < 300; trial++) {
      ChannelProfile profile = profile(random);
      List<Reading> readings = new ArrayList<>();
      int used = 1 + random.nextInt(CHANNELS);
      for (int c = 0; c < used; c++) {
        series(random, random.nextInt(CHANNELS), profile.channel(c).intervalS(), 1_600_000_000L, readings);
      }
      int max = 128 + random.nextInt(2000);
      long firstSeq = random.nextInt(1000);
      List<EncodedFrame> frames = FrameEncoder.builder(profile).maxFrameBytes(max).build().encode(readings, firstSeq);

      FrameDecoder decoder = new FrameDecoder(profile);
      List<Reading> decoded = new ArrayList<>();
      for (int i = 0; i < frames.size(); i++) {
        EncodedFrame f = frames.get(i);
        assertTrue(f.bytes().length <= max, "trial " + trial + ": frame of " + f.bytes().length + " bytes over " + max);
        assertEquals(firstSeq + i, f.seq());
        DecodedFrame d = decoder.decode(f.bytes());
        assertEquals(f.seq(), d.seq());
        assertEquals(f.readings(), d.readings().size());
        decoded.addAll(d.readings());
      }
      List<Reading> expected = new ArrayList<>(readings);
      expected.sort(Reading.BY_TIME_THEN_CHANNEL);
      decoded.sort(Reading.BY_TIME_THEN_CHANNEL);
      assertEquals(expected, decoded, "trial " + trial);
    }
  }

  @Test
  void aSingleReadingRoundTripsForExtremeValuesAndTimes() throws Exception {
    ChannelProfile profile = profile(new Random(1));
    long[] extremes = {Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE};
    FrameEncoder encoder = FrameEncoder.builder(profile).build();
    FrameDecoder decoder = new FrameDecoder(profile);
    for (long value : extremes) {
      for (long time : extremes) {
        Reading r = new Reading(3, time, value);
        assertEquals(List.of(r), decoder.decode(encoder.encode(List.of(r), 1).get(0).bytes()).readings());
      }
    }
  }

  @Test
  void framesOfAWindowAreEachSelfContained() throws Exception {
    Random random = new Random(9);
    ChannelProfile profile = profile(random);
    List<Reading> readings = new ArrayList<>();
    for (int c = 0; c < CHANNELS; c++) {
      series(random, c, 10, 1_700_000_000L, readings);
    }
    List<EncodedFrame> frames = FrameEncoder.builder(profile).maxFrameBytes(200).build().encode(readings, 1);
    assertTrue(frames.size() > 3, "expected several frames, got " + frames.size());
    // Decode them out of order and with one lost: the others are unaffected.
    FrameDecoder decoder = new FrameDecoder(profile);
    for (int i = frames.size() - 1; i > 0; i--) {
      assertEquals(frames.get(i).readings(), decoder.decode(frames.get(i).bytes()).readings().size());
    }
  }
}

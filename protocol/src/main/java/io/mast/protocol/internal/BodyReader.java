package io.mast.protocol.internal;

import io.mast.protocol.ChannelProfile;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.Reading;
import java.util.ArrayList;
import java.util.List;

/**
 * The reading half of {@link FrameBody}: one instance per body, not thread-safe. Every number
 * read is checked against a limit (the profile's channels, {@link FrameBody#MAX_SLOTS},
 * {@link FrameBody#MAX_READINGS}) before anything is allocated from it.
 */
final class BodyReader {
  private final ChannelProfile profile;
  private final BitReader in;
  private final long baseTime;
  private long readings;
  private final List<long[][]> adaptiveBlocks = new ArrayList<>(2);

  BodyReader(ChannelProfile profile, BitReader in, long baseTime) {
    this.profile = profile;
    this.in = in;
    this.baseTime = baseTime;
  }

  List<Reading> read() throws FrameFormatException {
    long axisCount = in.expGolomb();
    if (axisCount > profile.size()) {
      throw new FrameFormatException("frame claims " + axisCount + " time axes for a profile of " + profile.size() + " channels");
    }
    FrameBody.Axis[] axes = new FrameBody.Axis[(int) axisCount];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = readAxis();
    }
    long seriesCount = in.expGolomb() + 1;
    if (seriesCount > profile.size()) {
      throw new FrameFormatException("frame claims " + seriesCount + " series for a profile of " + profile.size() + " channels");
    }
    int n = (int) seriesCount;
    int[] channels = readChannels(n);
    long[] placement = new long[n];
    if (axes.length > 0) {
      ResidualCoder.read(in, placement, 0, n);
    }
    int irregularCount = 0;
    for (int i = 0; i < n; i++) {
      if (Long.compareUnsigned(placement[i], axes.length) > 0) {
        throw new FrameFormatException("series " + i + " names time axis " + (placement[i] - 1) + " of " + axes.length);
      }
      irregularCount += placement[i] == 0 ? 1 : 0;
    }
    long most = irregularCount > 0 ? in.expGolomb() + 1 : 0;
    if (most > FrameBody.MAX_READINGS) {
      throw new FrameFormatException("frame claims a series of " + most + " readings, more than " + FrameBody.MAX_READINGS);
    }
    long[] counts = new long[irregularCount];
    long[] firstTimes = new long[irregularCount];
    ResidualCoder.read(in, counts, 0, irregularCount);
    ResidualCoder.read(in, firstTimes, 0, irregularCount);
    int withGaps = 0;
    for (int i = 0; i < irregularCount; i++) {
      if (Long.compareUnsigned(counts[i], most - 1) > 0) {
        throw new FrameFormatException("series count " + (most - counts[i]) + " is below 1");
      }
      counts[i] = most - counts[i] - 1;
      count(counts[i] + 1);
      withGaps += counts[i] > 0 ? 1 : 0;
    }
    long[] predictors = new long[withGaps];
    ResidualCoder.read(in, predictors, 0, withGaps);
    boolean signed = in.bit() == 1;
    long[] firstValues = new long[n];
    ResidualCoder.read(in, firstValues, 0, n);
    for (int i = 0; signed && i < n; i++) {
      firstValues[i] = FrameBody.unzigzag(firstValues[i]);
    }

    long[][] times = new long[n][];
    int irregular = 0;
    for (int i = 0; i < n; i++) {
      if (placement[i] > 0) {
        times[i] = readPresence(axes[(int) placement[i] - 1]);
      } else {
        times[i] = new long[(int) counts[irregular] + 1];
        times[i][0] = baseTime + firstTimes[irregular];
        irregular++;
      }
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (placement[i] == 0 && times[i].length > 1) {
        order.add(i);
      }
    }
    long[][] timeResiduals = readBlock(order.stream().mapToInt(i -> times[i].length - 1).toArray());
    int[] lengths = new int[n];
    for (int i = 0; i < n; i++) {
      lengths[i] = times[i].length - 1;
    }
    long[][] valueResiduals = readBlock(lengths);
    readTail();
    fillTimes(channels, order, times, timeResiduals, predictors);
    return values(channels, times, firstValues, valueResiduals);
  }

  private FrameBody.Axis readAxis() throws FrameFormatException {
    long start = baseTime + in.big();
    long step = in.big();
    long slots = in.expGolomb() + 1;
    if (step <= 0) {
      throw new FrameFormatException("time axis step " + Long.toUnsignedString(step) + " is not a positive number of seconds");
    }
    if (slots > FrameBody.MAX_SLOTS) {
      throw new FrameFormatException("time axis of " + slots + " slots exceeds the maximum " + FrameBody.MAX_SLOTS);
    }
    return new FrameBody.Axis(start, step, (int) slots);
  }

  private int[] readChannels(int n) throws FrameFormatException {
    long[] gaps = new long[n];
    ResidualCoder.read(in, gaps, 0, n);
    int[] channels = new int[n];
    long channel = -1;
    for (int i = 0; i < n; i++) {
      channel += gaps[i] + 1;
      if (gaps[i] < 0 || channel >= profile.size()) {
        throw new FrameFormatException("series " + i + " names a channel beyond the profile's " + profile.size());
      }
      channels[i] = (int) channel;
    }
    return channels;
  }

  private void count(long more) throws FrameFormatException {
    if (more < 1 || more > FrameBody.MAX_READINGS || (readings += more) > FrameBody.MAX_READINGS) {
      throw new FrameFormatException("frame claims more than " + FrameBody.MAX_READINGS + " readings");
    }
  }

  private long[] readPresence(FrameBody.Axis axis) throws FrameFormatException {
    boolean[] present = new boolean[axis.slots()];
    if (in.bit() == 1) {
      java.util.Arrays.fill(present, true);
    } else if (in.bit() == 0) {
      for (int i = 0; i < present.length; i++) {
        present[i] = in.bit() == 1;
      }
    } else {
      boolean value = in.bit() == 1;
      int at = 0;
      while (at < present.length) {
        long run = in.expGolomb() + 1;
        if (run > present.length - at) {
          throw new FrameFormatException("presence run of " + run + " overruns the " + (present.length - at) + " slots left");
        }
        java.util.Arrays.fill(present, at, at + (int) run, value);
        at += (int) run;
        value = !value;
      }
    }
    int size = 0;
    for (boolean p : present) {
      size += p ? 1 : 0;
    }
    if (size == 0) {
      throw new FrameFormatException("a series on a time axis has no readings");
    }
    count(size);
    long[] times = new long[size];
    int k = 0;
    for (int i = 0; i < present.length; i++) {
      if (present[i]) {
        times[k++] = axis.start() + i * axis.step();
      }
    }
    return times;
  }

  /** Fills the timestamps of the irregular series from their residuals. */
  private void fillTimes(int[] channels, List<Integer> order, long[][] times, long[][] residuals, long[] predictors) throws FrameFormatException {
    for (int j = 0; j < order.size(); j++) {
      int i = order.get(j);
      long nominal = profile.channel(channels[i]).intervalS();
      if (predictors[j] > 1) {
        throw new FrameFormatException("unknown time predictor " + predictors[j] + " for series " + i);
      }
      boolean dod = predictors[j] == 1;
      long previousGap = nominal;
      for (int k = 1; k < times[i].length; k++) {
        long gap = (dod ? previousGap : nominal) + FrameBody.unzigzag(residuals[j][k - 1]);
        times[i][k] = times[i][k - 1] + gap;
        previousGap = gap;
      }
    }
  }

  private List<Reading> values(int[] channels, long[][] times, long[] firstValues, long[][] residuals) {
    List<Reading> out = new ArrayList<>((int) readings);
    for (int i = 0; i < times.length; i++) {
      long value = firstValues[i];
      out.add(new Reading(channels[i], times[i][0], value));
      for (int k = 1; k < times[i].length; k++) {
        value += FrameBody.unzigzag(residuals[i][k - 1]);
        out.add(new Reading(channels[i], times[i][k], value));
      }
    }
    out.sort(Reading.BY_TIME_THEN_CHANNEL);
    return out;
  }

  /**
   * Reads a block's header and, if bit-packed, its residuals; a range-coded block is only
   * allocated here and filled by {@link #readTail} once the bit-packed part has ended.
   */
  private long[][] readBlock(int[] lengths) throws FrameFormatException {
    int total = 0;
    for (int len : lengths) {
      total += len;
    }
    long[][] out = new long[lengths.length][];
    for (int i = 0; i < lengths.length; i++) {
      out[i] = new long[lengths[i]];
    }
    if (total == 0) {
      return out;
    }
    int mode = (int) in.bits(2);
    if (mode == FrameBody.BLOCK_SHARED) {
      long[] all = new long[total];
      ResidualCoder.read(in, all, 0, total);
      int at = 0;
      for (long[] seq : out) {
        System.arraycopy(all, at, seq, 0, seq.length);
        at += seq.length;
      }
    } else if (mode == FrameBody.BLOCK_SEPARATE) {
      for (long[] seq : out) {
        ResidualCoder.read(in, seq, 0, seq.length);
      }
    } else if (mode == FrameBody.BLOCK_ADAPTIVE) {
      adaptiveBlocks.add(out);
    } else {
      throw new FrameFormatException("unknown residual block mode " + mode);
    }
    return out;
  }

  /** Decodes the range-coded blocks from the byte after the bit-packed part; nothing may follow. */
  private void readTail() throws FrameFormatException {
    int tailStart = in.alignToByte();
    if (adaptiveBlocks.isEmpty()) {
      if (tailStart != in.length()) {
        throw new FrameFormatException("frame body has " + (in.length() - tailStart) + " bytes after its last series");
      }
      return;
    }
    RangeDecoder decoder = new RangeDecoder(in.bytes(), tailStart);
    for (long[][] block : adaptiveBlocks) {
      AdaptiveResidualCoder coder = new AdaptiveResidualCoder();
      for (long[] seq : block) {
        coder.read(decoder, seq);
      }
    }
    if (decoder.remaining() != 0 || !decoder.endedCanonically(tailStart)) {
      throw new FrameFormatException("frame body has " + Math.max(1, decoder.remaining()) + " bytes after its range-coded residuals");
    }
  }
}

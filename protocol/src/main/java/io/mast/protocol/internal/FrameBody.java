package io.mast.protocol.internal;

import io.mast.protocol.ChannelProfile;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.Reading;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes and reads the bit-packed body of a frame, format 1. The layout is drawn in
 * {@link io.mast.protocol.FrameEncoder}; this class is its only implementation.
 *
 * <p>The encoder tries two plans and keeps the smaller: series on shared regular time axes
 * (only a presence bitmap per series, no timestamps), and every series with its own timestamps
 * (delta from the nominal interval or delta-of-delta, whichever is smaller per series).
 * Stateless; safe to call from any thread.
 */
public final class FrameBody {
  /** Most readings one frame may hold; the decoder refuses claims above it before allocating. */
  public static final int MAX_READINGS = 65_535;
  /** Most slots of one regular time axis. */
  public static final int MAX_SLOTS = 65_535;

  static final int BLOCK_SHARED = 0;
  static final int BLOCK_SEPARATE = 1;
  static final int BLOCK_ADAPTIVE = 2;

  private FrameBody() {}

  /** One channel's readings in a frame, sorted by time. */
  static final class Series {
    final int channel;
    final long[] times;
    final long[] values;
    int axis = -1;

    Series(int channel, long[] times, long[] values) {
      this.channel = channel;
      this.times = times;
      this.values = values;
    }

    int size() {
      return times.length;
    }
  }

  /** A regular grid of slots shared by several series: start + i * step. */
  record Axis(long start, long step, int slots) {}

  /**
   * Encodes readings of channels of {@code profile} (any order) as a body relative to
   * {@code baseTime}, which must not be after any reading's time.
   */
  public static byte[] encode(ChannelProfile profile, List<Reading> readings, long baseTime) {
    if (readings.isEmpty() || readings.size() > MAX_READINGS) {
      throw new IllegalArgumentException("a frame holds 1.." + MAX_READINGS + " readings, not " + readings.size());
    }
    List<Series> series = group(readings);
    List<Axis> axes = planAxes(profile, series, baseTime);
    byte[] withAxes = axes.isEmpty() ? null : write(profile, series, axes, baseTime);
    for (Series s : series) {
      s.axis = -1;
    }
    byte[] irregular = write(profile, series, List.of(), baseTime);
    return withAxes != null && withAxes.length < irregular.length ? withAxes : irregular;
  }

  private static List<Series> group(List<Reading> readings) {
    Reading[] sorted = readings.toArray(new Reading[0]);
    Arrays.sort(sorted, (a, b) -> a.channel() != b.channel()
        ? Integer.compare(a.channel(), b.channel()) : Long.compare(a.time(), b.time()));
    List<Series> out = new ArrayList<>();
    int i = 0;
    while (i < sorted.length) {
      int j = i;
      while (j < sorted.length && sorted[j].channel() == sorted[i].channel()) {
        j++;
      }
      long[] times = new long[j - i];
      long[] values = new long[j - i];
      for (int k = i; k < j; k++) {
        times[k - i] = sorted[k].time();
        values[k - i] = sorted[k].mantissa();
      }
      out.add(new Series(sorted[i].channel(), times, values));
      i = j;
    }
    return out;
  }

  /** Puts every series whose times sit on a regular grid on a shared axis; returns the axes. */
  private static List<Axis> planAxes(ChannelProfile profile, List<Series> series, long baseTime) {
    Map<List<Long>, List<Series>> byGrid = new LinkedHashMap<>();
    for (Series s : series) {
      long step = gridStep(s, profile.channel(s.channel).intervalS());
      if (step > 0) {
        long phase = Math.floorMod(s.times[0] - baseTime, step);
        byGrid.computeIfAbsent(List.of(step, phase), g -> new ArrayList<>()).add(s);
      }
    }
    List<Axis> axes = new ArrayList<>();
    for (Map.Entry<List<Long>, List<Series>> e : byGrid.entrySet()) {
      long step = e.getKey().get(0);
      long first = Long.MAX_VALUE;
      long last = Long.MIN_VALUE;
      for (Series s : e.getValue()) {
        first = Math.min(first, s.times[0]);
        last = Math.max(last, s.times[s.size() - 1]);
      }
      long slots = (last - first) / step + 1;
      if (slots > MAX_SLOTS) {
        continue;
      }
      for (Series s : e.getValue()) {
        s.axis = axes.size();
      }
      axes.add(new Axis(first, step, (int) slots));
    }
    return axes;
  }

  /**
   * The grid step of a series if its times are strictly increasing multiples of one step and the
   * grid is not much sparser than the series (else 0): the channel's nominal interval when every
   * gap is a multiple of it, else the gaps' greatest common divisor.
   */
  private static long gridStep(Series s, long nominal) {
    int n = s.size();
    if (n < 2) {
      return 0;
    }
    long gcd = 0;
    boolean nominalFits = true;
    for (int i = 1; i < n; i++) {
      long d = s.times[i] - s.times[i - 1];
      if (d <= 0) {
        return 0;
      }
      gcd = gcd(gcd, d);
      nominalFits &= d % nominal == 0;
    }
    long step = nominalFits ? nominal : gcd;
    long span = s.times[n - 1] - s.times[0];
    return span / step + 1 <= 4L * n + 64 ? step : 0;
  }

  private static long gcd(long a, long b) {
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  private static byte[] write(ChannelProfile profile, List<Series> series, List<Axis> axes, long baseTime) {
    BitWriter out = new BitWriter();
    RangeEncoder tail = new RangeEncoder();
    boolean[] usedTail = {false};
    out.expGolomb(axes.size());
    for (Axis a : axes) {
      out.big(a.start() - baseTime);
      out.big(a.step());
      out.expGolomb(a.slots() - 1L);
    }
    int n = series.size();
    out.expGolomb(n - 1L);
    long[] column = new long[n];
    int previous = -1;
    for (int i = 0; i < n; i++) {
      column[i] = series.get(i).channel - previous - 1L;
      previous = series.get(i).channel;
    }
    ResidualCoder.write(out, column, 0, n);
    if (!axes.isEmpty()) {
      for (int i = 0; i < n; i++) {
        column[i] = series.get(i).axis + 1L;
      }
      ResidualCoder.write(out, column, 0, n);
    }

    List<Series> irregular = series.stream().filter(s -> s.axis < 0).toList();
    List<long[]> timeResiduals = writeIrregularColumns(out, profile, irregular, baseTime);
    boolean signed = false;
    for (int i = 0; i < n; i++) {
      column[i] = series.get(i).values[0];
      signed |= column[i] < 0;
    }
    out.bit(signed ? 1 : 0);
    for (int i = 0; signed && i < n; i++) {
      column[i] = zigzag(column[i]);
    }
    ResidualCoder.write(out, column, 0, n);
    for (Series s : series) {
      if (s.axis >= 0) {
        writePresence(out, s, axes.get(s.axis));
      }
    }
    writeBlock(out, timeResiduals, tail, usedTail);
    List<long[]> valueResiduals = new ArrayList<>();
    for (Series s : series) {
      valueResiduals.add(deltas(s.values));
    }
    writeBlock(out, valueResiduals, tail, usedTail);
    byte[] bits = out.toByteArray();
    if (!usedTail[0]) {
      return bits;
    }
    byte[] coded = tail.finish();
    byte[] body = Arrays.copyOf(bits, bits.length + coded.length);
    System.arraycopy(coded, 0, body, bits.length, coded.length);
    return body;
  }

  /** Count, first time and predictor columns of the irregular series; returns their time residuals. */
  private static List<long[]> writeIrregularColumns(BitWriter out, ChannelProfile profile, List<Series> irregular, long baseTime) {
    int m = irregular.size();
    long[] counts = new long[m];
    long[] firsts = new long[m];
    List<Long> predictors = new ArrayList<>();
    List<long[]> residuals = new ArrayList<>();
    long most = irregular.stream().mapToLong(Series::size).max().orElse(1);
    for (int i = 0; i < m; i++) {
      Series s = irregular.get(i);
      counts[i] = most - s.size();
      firsts[i] = s.times[0] - baseTime;
      if (s.size() >= 2) {
        long nominal = profile.channel(s.channel).intervalS();
        long[] fromNominal = timeResiduals(s.times, nominal, false);
        long[] ofDeltas = timeResiduals(s.times, nominal, true);
        boolean dod = ResidualCoder.cost(ofDeltas, 0, ofDeltas.length) < ResidualCoder.cost(fromNominal, 0, fromNominal.length);
        predictors.add(dod ? 1L : 0L);
        residuals.add(dod ? ofDeltas : fromNominal);
      }
    }
    if (m > 0) {
      out.expGolomb(most - 1);
    }
    ResidualCoder.write(out, counts, 0, m);
    ResidualCoder.write(out, firsts, 0, m);
    long[] p = predictors.stream().mapToLong(Long::longValue).toArray();
    ResidualCoder.write(out, p, 0, p.length);
    return residuals;
  }

  /**
   * Zigzagged time residuals: each gap minus the nominal interval, or (delta-of-delta) minus the
   * previous gap, the first gap being predicted by the nominal interval.
   */
  static long[] timeResiduals(long[] times, long nominal, boolean deltaOfDelta) {
    long[] r = new long[times.length - 1];
    long previousGap = nominal;
    for (int i = 1; i < times.length; i++) {
      long gap = times[i] - times[i - 1];
      r[i - 1] = zigzag(gap - (deltaOfDelta ? previousGap : nominal));
      previousGap = gap;
    }
    return r;
  }

  private static long[] deltas(long[] values) {
    long[] r = new long[values.length - 1];
    for (int i = 1; i < values.length; i++) {
      r[i - 1] = zigzag(values[i] - values[i - 1]);
    }
    return r;
  }

  /**
   * Presence of a series on its axis: "1" when it has a reading in every slot; else "0" then
   * "0" and one bit per slot, or "1", the first slot's bit and the lengths of the alternating
   * runs (exp-Golomb of length - 1) until the slots are covered, whichever is shorter.
   */
  private static void writePresence(BitWriter out, Series s, Axis axis) {
    boolean[] present = new boolean[axis.slots()];
    for (long t : s.times) {
      present[(int) ((t - axis.start()) / axis.step())] = true;
    }
    if (s.size() == axis.slots()) {
      out.bit(1);
      return;
    }
    out.bit(0);
    List<Long> runs = new ArrayList<>();
    long runBits = 1;
    int i = 0;
    while (i < present.length) {
      int j = i;
      while (j < present.length && present[j] == present[i]) {
        j++;
      }
      runs.add(j - i - 1L);
      runBits += BitWriter.expGolombCost(j - i - 1L);
      i = j;
    }
    if (runBits < present.length) {
      out.bit(1);
      out.bit(present[0] ? 1 : 0);
      for (long r : runs) {
        out.expGolomb(r);
      }
    } else {
      out.bit(0);
      for (boolean p : present) {
        out.bit(p ? 1 : 0);
      }
    }
  }

  /**
   * Several residual sequences whose lengths the reader knows, in the cheapest of three forms
   * (two mode bits): "00" one bit-packed coder for all of them concatenated, "01" one bit-packed
   * coder each, "10" range-coded with the adaptive model into the body's tail. Nothing at all
   * when every sequence is empty.
   */
  private static void writeBlock(BitWriter out, List<long[]> sequences, RangeEncoder tail, boolean[] usedTail) {
    int total = sequences.stream().mapToInt(a -> a.length).sum();
    if (total == 0) {
      return;
    }
    long[] all = new long[total];
    int at = 0;
    long separateBits = 0;
    List<ResidualCoder.Choice> separate = new ArrayList<>();
    for (long[] seq : sequences) {
      System.arraycopy(seq, 0, all, at, seq.length);
      at += seq.length;
      ResidualCoder.Choice c = seq.length == 0 ? null : ResidualCoder.choose(seq, 0, seq.length);
      separate.add(c);
      separateBits += c == null ? 0 : c.bits();
    }
    ResidualCoder.Choice shared = ResidualCoder.choose(all, 0, total);
    RangeEncoder trial = new RangeEncoder();
    writeAdaptive(trial, sequences);
    long adaptiveBits = 8L * trial.finish().length;
    if (adaptiveBits < Math.min(shared.bits(), separateBits)) {
      out.bits(BLOCK_ADAPTIVE, 2);
      writeAdaptive(tail, sequences);
      usedTail[0] = true;
    } else if (shared.bits() <= separateBits) {
      out.bits(BLOCK_SHARED, 2);
      ResidualCoder.write(out, all, 0, total, shared);
    } else {
      out.bits(BLOCK_SEPARATE, 2);
      for (int i = 0; i < sequences.size(); i++) {
        long[] seq = sequences.get(i);
        if (seq.length > 0) {
          ResidualCoder.write(out, seq, 0, seq.length, separate.get(i));
        }
      }
    }
  }

  private static void writeAdaptive(RangeEncoder out, List<long[]> sequences) {
    AdaptiveResidualCoder coder = new AdaptiveResidualCoder();
    for (long[] seq : sequences) {
      coder.write(out, seq);
    }
  }

  static long zigzag(long v) {
    return (v << 1) ^ (v >> 63);
  }

  static long unzigzag(long z) {
    return (z >>> 1) ^ -(z & 1);
  }

  /** Decodes a body; every count is checked against the limits and the profile before use. */
  public static List<Reading> decode(ChannelProfile profile, byte[] body, long baseTime) throws FrameFormatException {
    return new BodyReader(profile, new BitReader(body), baseTime).read();
  }
}

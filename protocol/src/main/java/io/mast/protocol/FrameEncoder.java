package io.mast.protocol;

import io.mast.protocol.internal.FrameBody;
import io.mast.protocol.internal.pb.Alarm;
import io.mast.protocol.internal.pb.Frame;
import java.util.ArrayList;
import java.util.List;

/**
 * Packs readings into self-contained frames of at most {@link Builder#maxFrameBytes} bytes.
 * Immutable and thread-safe.
 *
 * <p>A frame is a {@code mast.v1.Frame} protobuf message (see {@code telemetry.proto}) whose
 * {@code body} is a bit stream, most significant bit first, padded with zeros to a byte:
 *
 * <pre>
 * field                     code            meaning
 * ------------------------  --------------  ------------------------------------------------
 * axis count A              expGolomb       regular time axes shared by series
 *   A x { start             big             first slot, seconds after base_time
 *         step              big             seconds between slots, at least 1
 *         slots - 1         expGolomb       at most 65535 slots }
 * series count - 1          expGolomb       S series, one per channel, at most the profile's
 * channel gaps              column(S)       channel[i] - channel[i-1] - 1, ids ascending
 * placement                 column(S)       0 = own timestamps, a = on axis a-1 (absent if A = 0)
 * largest count - 1        expGolomb       C, only if I > 0
 * C - counts                column(I)       I = series with own timestamps
 * first times               column(I)       seconds after base_time
 * time predictors           column(J)       J = those of I with 2+ readings; 0 = gap minus the
 *                                           channel's nominal interval, 1 = delta-of-delta
 * signed                    1 bit           1 if any first value is negative
 * first values              column(S)       absolute first mantissas (zigzag if signed)
 * S' x presence             bits            per axis series: "1" all slots, "00"+bitmap, or
 *                                           "01"+first bit+exp-Golomb run lengths - 1
 * time residuals            block(J)        zigzag residuals of the gaps, per predictor
 * value residuals           block(S)        zigzag of v[i] - v[i-1]
 * padding                   0-7 zero bits   to a byte boundary
 * range-coded tail          bytes           the blocks in mode "10", time block first
 * </pre>
 *
 * <p>The serialised message ends in its CRC-32C ({@link FrameIntegrity}, 5 bytes), checked
 * before anything else is decoded.
 *
 * <p>A {@code column(n)} is n numbers coded by the cheapest of ZERO, RICE(k), RUNS(kz, kv) and
 * VARINT (two mode bits, then the parameters in exp-Golomb); a {@code block} is, after two mode
 * bits, one such coder for the concatenation of its sequences ("00"), one coder per sequence
 * ("01"), or a pointer to the range-coded tail ("10", adaptive context model, see
 * {@code AdaptiveResidualCoder}). The codes themselves are defined in {@code BitWriter}. Values and times use 64-bit two's complement
 * arithmetic, so any long, however large or negative, round-trips exactly.
 *
 * <p>Frames never share state: each carries its sequence number and absolute first values, so
 * a lost or repeated frame affects no other. The channel ids and nominal intervals are those of
 * the profile named by {@code profile_id}; a decoder needs that profile.
 */
public final class FrameEncoder {
  /** Frame format written by this encoder: 2, the body of 1 and a CRC-32C ({@link FrameIntegrity}). */
  public static final int FORMAT = 2;

  private final ChannelProfile profile;
  private final int maxFrameBytes;

  private FrameEncoder(Builder b) {
    this.profile = b.profile;
    this.maxFrameBytes = b.maxFrameBytes;
  }

  /**
   * Settings of an encoder. Defaults: {@code maxFrameBytes} 1024 (NB-IoT modems and many brokers
   * limit a message to about that), allowed 128..65535.
   */
  public static final class Builder {
    private final ChannelProfile profile;
    private int maxFrameBytes = 1024;

    private Builder(ChannelProfile profile) {
      this.profile = profile;
    }

    public Builder maxFrameBytes(int bytes) {
      this.maxFrameBytes = bytes;
      return this;
    }

    public FrameEncoder build() {
      if (maxFrameBytes < 128 || maxFrameBytes > 65_535) {
        throw new IllegalArgumentException("max frame bytes " + maxFrameBytes + " is outside 128..65535");
      }
      return new FrameEncoder(this);
    }
  }

  public static Builder builder(ChannelProfile profile) {
    return new Builder(profile);
  }

  public ChannelProfile profile() {
    return profile;
  }

  public int maxFrameBytes() {
    return maxFrameBytes;
  }

  /**
   * Encodes a window of readings into as few frames as the size limit allows, numbered from
   * {@code firstSeq}. Each frame holds a contiguous stretch of the readings in time order.
   *
   * @throws IllegalArgumentException if a reading names a channel outside the profile
   */
  public List<EncodedFrame> encode(List<Reading> readings, long firstSeq) {
    List<Reading> sorted = sortedInProfile(readings);
    List<EncodedFrame> frames = new ArrayList<>();
    int from = 0;
    long seq = firstSeq;
    while (from < sorted.size()) {
      EncodedFrame frame = largestFittingFrame(sorted, from, seq++);
      frames.add(frame);
      from += frame.readings();
    }
    return frames;
  }

  /**
   * All {@code readings} as one frame numbered {@code seq}, whatever its size, or empty if they
   * are more than one frame may hold (65535). For callers that search their own cut and need the
   * size of a frame that is too large.
   */
  public java.util.Optional<EncodedFrame> encodeUnbounded(List<Reading> readings, long seq) {
    if (readings.isEmpty()) {
      throw new IllegalArgumentException("a frame needs at least one reading");
    }
    if (readings.size() > FrameBody.MAX_READINGS) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(frame(sortedInProfile(readings), seq));
  }

  /** The readings in time-then-channel order; throws if one names a channel outside the profile. */
  private List<Reading> sortedInProfile(List<Reading> readings) {
    List<Reading> sorted = new ArrayList<>(readings);
    sorted.sort(Reading.BY_TIME_THEN_CHANNEL);
    for (Reading r : sorted) {
      profile.channel(r.channel());
    }
    return sorted;
  }

  /** The frame of the longest run of readings from {@code from} that fits, found by bisection. */
  private EncodedFrame largestFittingFrame(List<Reading> sorted, int from, long seq) {
    int hi = Math.min(sorted.size() - from, FrameBody.MAX_READINGS);
    EncodedFrame all = frame(sorted.subList(from, from + hi), seq);
    if (all.bytes().length <= maxFrameBytes) {
      return all;
    }
    EncodedFrame best = frame(sorted.subList(from, from + 1), seq);
    if (best.bytes().length > maxFrameBytes) {
      throw new IllegalStateException("one reading needs " + best.bytes().length + " bytes, more than the maximum " + maxFrameBytes);
    }
    int lo = 1;
    while (hi - lo > 1) {
      int mid = (lo + hi) >>> 1;
      EncodedFrame candidate = frame(sorted.subList(from, from + mid), seq);
      if (candidate.bytes().length <= maxFrameBytes) {
        lo = mid;
        best = candidate;
      } else {
        hi = mid;
      }
    }
    return best;
  }

  private EncodedFrame frame(List<Reading> readings, long seq) {
    long base = readings.get(0).time();
    long last = readings.get(readings.size() - 1).time();
    byte[] body = FrameBody.encode(profile, readings, base);
    byte[] bytes = FrameIntegrity.seal(unsealed(seq, base, body).toByteArray());
    return new EncodedFrame(seq, readings.size(), base, last, bytes);
  }

  /** The frame message without its CRC, as it goes inside an alarm. */
  private Frame unsealed(long seq, long base, byte[] body) {
    return Frame.newBuilder()
        .setFormat(FORMAT)
        .setProfileId(profile.id())
        .setSeq(seq)
        .setBaseTime(base)
        .setBody(com.google.protobuf.ByteString.copyFrom(body))
        .build();
  }

  /**
   * An alarm message (topic {@code a}) carrying the reading that crossed a rule's threshold as a
   * one-reading frame with sequence number {@code seq}.
   */
  public byte[] encodeAlarm(Reading reading, long seq, int rule, boolean raised, long threshold) {
    profile.channel(reading.channel());
    Frame frame = unsealed(seq, reading.time(), FrameBody.encode(profile, List.of(reading), reading.time()));
    return FrameIntegrity.seal(Alarm.newBuilder()
        .setFrame(frame)
        .setRule(rule)
        .setState(raised ? Alarm.State.RAISED : Alarm.State.CLEARED)
        .setChannel(reading.channel())
        .setThreshold(threshold)
        .build()
        .toByteArray());
  }
}

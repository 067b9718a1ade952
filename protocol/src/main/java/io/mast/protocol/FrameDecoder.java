package io.mast.protocol;

import com.google.protobuf.InvalidProtocolBufferException;
import io.mast.protocol.internal.FrameBody;
import io.mast.protocol.internal.pb.Alarm;
import io.mast.protocol.internal.pb.Frame;

/**
 * Turns frame bytes back into readings against a known {@link ChannelProfile}; the format is
 * drawn in {@link FrameEncoder}. Immutable and thread-safe.
 *
 * <p>Input is treated as hostile: a message longer than {@link #MAX_FRAME_BYTES} is refused, then
 * one whose CRC-32C does not match its bytes ({@link FrameCorruptException}, checked before
 * anything is parsed), then one of an unknown format, for another profile, truncated, with counts
 * beyond the limits or trailing bits, each with a {@link FrameFormatException} that says which,
 * before anything large is allocated. Decoding time and memory are bounded by the input length and the limits.
 */
public final class FrameDecoder {
  /** Largest message accepted; the encoder's own limit cannot exceed it. */
  public static final int MAX_FRAME_BYTES = 65_535;

  private final ChannelProfile profile;

  public FrameDecoder(ChannelProfile profile) {
    this.profile = profile;
  }

  public ChannelProfile profile() {
    return profile;
  }

  /** Decodes a telemetry frame (topic {@code t}). */
  public DecodedFrame decode(byte[] bytes) throws FrameFormatException {
    return decode(parse(Frame.parser(), bytes, "frame"));
  }

  /**
   * The profile id a telemetry frame names, checked as {@link #decode} checks it first (length,
   * CRC-32C, protobuf), so a consumer of many devices' frames can pick the profile to decode with.
   */
  public static int profileIdOf(byte[] bytes) throws FrameFormatException {
    return parse(Frame.parser(), bytes, "frame").getProfileId();
  }

  /** Decodes the frame inside an alarm message (topic {@code a}). */
  public DecodedFrame decodeAlarm(byte[] bytes) throws FrameFormatException {
    Alarm alarm = parse(Alarm.parser(), bytes, "alarm");
    if (!alarm.hasFrame()) {
      throw new FrameFormatException("alarm carries no frame");
    }
    return decode(alarm.getFrame());
  }

  private static <T> T parse(com.google.protobuf.Parser<T> parser, byte[] bytes, String what) throws FrameFormatException {
    if (bytes.length > MAX_FRAME_BYTES) {
      throw new FrameFormatException(what + " length " + bytes.length + " exceeds the maximum " + MAX_FRAME_BYTES);
    }
    FrameIntegrity.check(bytes, what);
    try {
      return parser.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new FrameFormatException(what + " is not a valid protobuf message: " + e.getMessage(), e);
    }
  }

  private DecodedFrame decode(Frame frame) throws FrameFormatException {
    if (frame.getFormat() != FrameEncoder.FORMAT) {
      throw new FrameFormatException("unknown frame format " + frame.getFormat() + " (this decoder reads format " + FrameEncoder.FORMAT + ")");
    }
    if (frame.getProfileId() != profile.id()) {
      throw new FrameFormatException(String.format("frame %d is for profile %08x, not the loaded profile %s",
          frame.getSeq(), frame.getProfileId(), profile.hexId()));
    }
    var readings = FrameBody.decode(profile, frame.getBody().toByteArray(), frame.getBaseTime());
    return new DecodedFrame(frame.getSeq(), frame.getProfileId(), readings);
  }
}

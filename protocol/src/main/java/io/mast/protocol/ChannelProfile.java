package io.mast.protocol;

import com.google.protobuf.InvalidProtocolBufferException;
import io.mast.protocol.internal.pb.ChannelKind;
import io.mast.protocol.internal.pb.Profile;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The channel set of one device, as sent retained on the profile topic. Frames carry only its
 * {@link #id()} and channel ids, never names or units, so a frame decodes only against the
 * profile it names. Immutable and thread-safe.
 *
 * <p>Channel ids are dense: the channel at position i has id i. The profile id is the CRC-32C
 * of the canonical protobuf encoding of the channel list, so the same channels always give the
 * same id and any change (a new sensor, another exponent) gives a new one.
 */
public final class ChannelProfile {
  /** Profile message format written and accepted. */
  public static final int FORMAT = 1;
  /** Most channels a profile may list; a larger claim is hostile input. */
  public static final int MAX_CHANNELS = 4096;

  private final List<Channel> channels;
  private final Map<String, Channel> byName = new HashMap<>();
  private final int id;

  private ChannelProfile(List<Channel> channels) {
    if (channels.size() > MAX_CHANNELS) {
      throw new IllegalArgumentException("profile lists " + channels.size() + " channels, more than " + MAX_CHANNELS);
    }
    this.channels = List.copyOf(channels);
    for (int i = 0; i < this.channels.size(); i++) {
      Channel c = this.channels.get(i);
      if (c.id() != i) {
        throw new IllegalArgumentException("channel " + c.name() + " has id " + c.id() + " at position " + i + "; ids must be 0..n-1 in order");
      }
      if (byName.put(c.name(), c) != null) {
        throw new IllegalArgumentException("channel name " + c.name() + " appears twice");
      }
    }
    CRC32C crc = new CRC32C();
    crc.update(toProto(0).toByteArray());
    this.id = (int) crc.getValue();
  }

  /** A profile of these channels, whose ids must be 0..n-1 in list order. */
  public static ChannelProfile of(List<Channel> channels) {
    return new ChannelProfile(channels);
  }

  /** Reads a profile from its wire bytes (topic {@code p}), checking it as hostile input. */
  public static ChannelProfile parse(byte[] bytes) throws FrameFormatException {
    Profile p;
    try {
      p = Profile.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new FrameFormatException("profile is not a valid protobuf message: " + e.getMessage(), e);
    }
    if (p.getFormat() != FORMAT) {
      throw new FrameFormatException("unknown profile format " + p.getFormat() + " (this reader knows " + FORMAT + ")");
    }
    List<Channel> list = new ArrayList<>();
    try {
      for (io.mast.protocol.internal.pb.Channel c : p.getChannelsList()) {
        Channel.Kind kind = switch (c.getKind()) {
          case GAUGE -> Channel.Kind.GAUGE;
          case COUNTER -> Channel.Kind.COUNTER;
          default -> throw new IllegalArgumentException("channel " + c.getName() + " has unknown kind " + c.getKindValue());
        };
        list.add(new Channel(c.getId(), c.getName(), c.getUnit(), c.getExponent(), c.getIntervalS(), kind, c.getDescription()));
      }
      ChannelProfile profile = new ChannelProfile(list);
      if (profile.id != p.getProfileId()) {
        throw new IllegalArgumentException(String.format("profile id %08x does not match its channels (%08x)", p.getProfileId(), profile.id));
      }
      return profile;
    } catch (IllegalArgumentException e) {
      throw new FrameFormatException("invalid profile: " + e.getMessage(), e);
    }
  }

  public int id() {
    return id;
  }

  public List<Channel> channels() {
    return channels;
  }

  public int size() {
    return channels.size();
  }

  /** The channel with this id, or an exception naming the id and the profile's size. */
  public Channel channel(int channelId) {
    if (channelId < 0 || channelId >= channels.size()) {
      throw new IllegalArgumentException("channel id " + channelId + " is not in profile " + hexId() + " of " + channels.size() + " channels");
    }
    return channels.get(channelId);
  }

  /** The channel with this name, or null. */
  public Channel channel(String name) {
    return byName.get(name);
  }

  public String hexId() {
    return String.format("%08x", id);
  }

  public byte[] toBytes() {
    return toProto(id).toByteArray();
  }

  private Profile toProto(int profileId) {
    Profile.Builder b = Profile.newBuilder().setFormat(FORMAT).setProfileId(profileId);
    for (Channel c : channels) {
      b.addChannels(io.mast.protocol.internal.pb.Channel.newBuilder()
          .setId(c.id()).setName(c.name()).setUnit(c.unit()).setExponent(c.exponent())
          .setIntervalS(c.intervalS())
          .setKind(c.kind() == Channel.Kind.GAUGE ? ChannelKind.GAUGE : ChannelKind.COUNTER)
          .setDescription(c.description()));
    }
    return b.build();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChannelProfile other && other.id == id && other.channels.equals(channels);
  }

  @Override
  public int hashCode() {
    return id;
  }

  @Override
  public String toString() {
    return "ChannelProfile " + hexId() + " (" + channels.size() + " channels)";
  }
}

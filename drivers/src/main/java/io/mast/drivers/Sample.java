package io.mast.drivers;

import java.util.List;

/** The outcome of one {@link SensorDriver#sample()}: one {@link ChannelValue} per channel, in channel order. */
public record Sample(List<ChannelValue> values) {

  public Sample {
    values = List.copyOf(values);
  }

  /** The value of {@code channel}; throws when the driver has no such channel. */
  public ChannelValue get(String channel) {
    for (ChannelValue v : values) {
      if (v.channel().equals(channel)) {
        return v;
      }
    }
    throw new IllegalArgumentException("no channel " + channel + " in this sample; it has " + values);
  }
}

package io.mast.protocol;

import java.util.Comparator;

/**
 * One sample of one channel: the channel's id in its {@link ChannelProfile}, the time in Unix
 * seconds, and the value as a long mantissa at the channel's decimal exponent (PM2.5 of 12 at
 * exponent 0 is 12; 21.5 degC at exponent -1 is 215). No floating point anywhere on the path.
 */
public record Reading(int channel, long time, long mantissa) {
  /** Time, then channel id: the order in which frames decode and CSV files list readings. */
  public static final Comparator<Reading> BY_TIME_THEN_CHANNEL =
      Comparator.comparingLong(Reading::time).thenComparingInt(Reading::channel);

  public Reading {
    if (channel < 0) {
      throw new IllegalArgumentException("channel id " + channel + " is negative");
    }
  }
}

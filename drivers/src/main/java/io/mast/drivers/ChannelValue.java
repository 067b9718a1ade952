package io.mast.drivers;

/**
 * One channel's outcome in a sample: a mantissa at the channel's exponent when {@code status} is
 * {@link ChannelStatus#OK}, otherwise a status and a detail for people ("exception code 2: illegal
 * data address").
 */
public record ChannelValue(String channel, ChannelStatus status, long mantissa, String detail) {

  public static ChannelValue ok(String channel, long mantissa) {
    return new ChannelValue(channel, ChannelStatus.OK, mantissa, "");
  }

  public static ChannelValue failed(String channel, ChannelStatus status, String detail) {
    if (status == ChannelStatus.OK) {
      throw new IllegalArgumentException("a failed channel value needs a status other than OK");
    }
    return new ChannelValue(channel, status, 0, detail);
  }

  public boolean isOk() {
    return status == ChannelStatus.OK;
  }

  @Override
  public String toString() {
    return isOk() ? channel + "=" + mantissa : channel + " " + status + (detail.isEmpty() ? "" : ": " + detail);
  }
}

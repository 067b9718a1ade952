package io.mast.drivers;

import io.mast.config.model.Sensor;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/**
 * What a driver needs to know about one channel: its name, the device quantity it reads, its
 * decimal exponent and its calibration, taken from one {@code sensors[]} entry of the device config
 * (with defaults applied).
 *
 * <p>{@link #value(long, int)} turns a device's exact decimal ({@code raw x 10^rawExponent}) into the
 * channel's mantissa: it applies the gain (ppm), rounds to the channel's exponent and adds the
 * offset. Gauges round half-even; counters round down, so a counter's mantissa never runs ahead of
 * the meter. A result outside a 64-bit mantissa is {@link ChannelStatus#OUT_OF_RANGE}, never a
 * wrapped number.
 */
public record ChannelSpec(String sensorId, String channel, String quantity, int exponent, long gainPpm,
    long offset, boolean counter) {

  private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
  private static final BigInteger MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);

  /** The spec of one sensor entry; the entry must have had defaults applied. */
  public static ChannelSpec of(Sensor sensor) {
    return new ChannelSpec(sensor.getId(), sensor.getChannel(), sensor.getQuantity(), sensor.getExponent(),
        sensor.hasCalibrationGainPpm() ? sensor.getCalibrationGainPpm() : 1_000_000,
        sensor.getCalibrationOffset(), sensor.getCounter());
  }

  /** A plain channel with no calibration, for probes and tests. */
  public static ChannelSpec plain(String channel, String quantity, int exponent) {
    return new ChannelSpec(channel, channel, quantity, exponent, 1_000_000, 0, false);
  }

  /** The channel's value for the device's exact decimal {@code raw x 10^rawExponent}. */
  public ChannelValue value(long raw, int rawExponent) {
    return value(BigDecimal.valueOf(raw, -rawExponent));
  }

  /** The channel's value for the device's exact decimal {@code exact}. */
  public ChannelValue value(BigDecimal exact) {
    if (gainPpm != 1_000_000) {
      exact = exact.multiply(BigDecimal.valueOf(gainPpm)).divide(MILLION);
    }
    RoundingMode rounding = counter ? RoundingMode.FLOOR : RoundingMode.HALF_EVEN;
    BigInteger mantissa = exact.setScale(-exponent, rounding).unscaledValue().add(BigInteger.valueOf(offset));
    if (mantissa.compareTo(MIN) < 0 || mantissa.compareTo(MAX) > 0) {
      return ChannelValue.failed(channel, ChannelStatus.OUT_OF_RANGE,
          exact.toPlainString() + " does not fit a 64-bit mantissa at exponent " + exponent);
    }
    return ChannelValue.ok(channel, mantissa.longValue());
  }

  /** A failed value of this channel. */
  public ChannelValue failed(ChannelStatus status, String detail) {
    return ChannelValue.failed(channel, status, detail);
  }
}

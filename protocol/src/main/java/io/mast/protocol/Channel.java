package io.mast.protocol;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * A sensor channel as the platform knows it: a dense id (what frames carry), a dotted name, the
 * unit of one whole value, the decimal exponent of one step, the nominal sampling interval and
 * whether it is a gauge or a counter. Immutable.
 *
 * <p>The exponent fixes the decimals on both sides of the wire: {@link #format} prints a mantissa
 * with exactly {@code -exponent} decimals, and {@link #parse} refuses a value that needs more, so
 * a reading never loses a digit silently.
 */
public record Channel(int id, String name, String unit, int exponent, int intervalS, Kind kind, String description) {

  /** Whether values are a level (gauge) or a cumulative register that never decreases (counter). */
  public enum Kind { GAUGE, COUNTER }

  public Channel {
    if (id < 0) {
      throw new IllegalArgumentException("channel id " + id + " is negative");
    }
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("channel " + id + " has no name");
    }
    if (exponent < -18 || exponent > 18) {
      throw new IllegalArgumentException("channel " + name + ": exponent " + exponent + " is outside -18..18");
    }
    if (intervalS < 1) {
      throw new IllegalArgumentException("channel " + name + ": interval " + intervalS + " s is below the minimum 1");
    }
    unit = unit == null ? "" : unit;
    description = description == null ? "" : description;
    if (kind == null) {
      throw new IllegalArgumentException("channel " + name + " has no kind");
    }
  }

  /** The value of a mantissa as a plain decimal with exactly this channel's decimals: 26 at -1 is "2.6". */
  public String format(long mantissa) {
    return new BigDecimal(BigInteger.valueOf(mantissa), -exponent).toPlainString();
  }

  /**
   * The mantissa of a decimal value: "2.6" at exponent -1 is 26.
   *
   * @throws NumberFormatException if the text is not a decimal, needs more decimals than the
   *     exponent allows, or does not fit a long; the message names the channel and the value
   */
  public long parse(String value) {
    BigDecimal decimal;
    try {
      decimal = new BigDecimal(value.trim());
    } catch (NumberFormatException e) {
      throw new NumberFormatException("channel " + name + ": '" + value + "' is not a decimal number");
    }
    try {
      return decimal.scaleByPowerOfTen(-exponent).longValueExact();
    } catch (ArithmeticException e) {
      throw new NumberFormatException("channel " + name + ": " + value + " needs more precision than 10^"
          + exponent + " or does not fit 64 bits");
    }
  }
}

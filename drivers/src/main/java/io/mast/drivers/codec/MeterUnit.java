package io.mast.drivers.codec;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;
import java.util.Optional;

/**
 * The units the meter standards send, with the CJ/T 188 unit code of each (DL/T 645 fixes the
 * unit by data identifier and sends none), and exact conversion between units of one dimension.
 *
 * <pre>
 * code  unit        dimension   in the dimension's base
 *  01   J           energy      1 J
 *  02   Wh          energy      3600 J
 *  05   kWh         energy      3.6e6 J
 *  08   MWh         energy      3.6e9 J
 *  0A   MWh x 100   energy      3.6e11 J
 *  0B   kJ          energy      1e3 J
 *  0E   MJ          energy      1e6 J
 *  11   GJ          energy      1e9 J
 *  13   GJ x 100    energy      1e11 J
 *  14   W           power       1 W
 *  17   kW          power       1e3 W
 *  1A   MW          power       1e6 W
 *  29   L           volume      1e-3 m3
 *  2C   m3          volume      1 m3
 *  32   L/h         flow        1e-3 m3/h
 *  35   m3/h        flow        1 m3/h
 *  --   V, A, degC, h, count    fixed by the data item
 * </pre>
 */
public enum MeterUnit {
  J(0x01, "J", Dimension.ENERGY, "1"),
  WH(0x02, "Wh", Dimension.ENERGY, "3600"),
  KWH(0x05, "kWh", Dimension.ENERGY, "3.6E6"),
  MWH(0x08, "MWh", Dimension.ENERGY, "3.6E9"),
  MWH_100(0x0A, "MWh x 100", Dimension.ENERGY, "3.6E11"),
  KJ(0x0B, "kJ", Dimension.ENERGY, "1E3"),
  MJ(0x0E, "MJ", Dimension.ENERGY, "1E6"),
  GJ(0x11, "GJ", Dimension.ENERGY, "1E9"),
  GJ_100(0x13, "GJ x 100", Dimension.ENERGY, "1E11"),
  W(0x14, "W", Dimension.POWER, "1"),
  KW(0x17, "kW", Dimension.POWER, "1E3"),
  MW(0x1A, "MW", Dimension.POWER, "1E6"),
  L(0x29, "L", Dimension.VOLUME, "1E-3"),
  M3(0x2C, "m3", Dimension.VOLUME, "1"),
  L_PER_H(0x32, "L/h", Dimension.FLOW, "1E-3"),
  M3_PER_H(0x35, "m3/h", Dimension.FLOW, "1"),
  V(-1, "V", Dimension.VOLTAGE, "1"),
  A(-1, "A", Dimension.CURRENT, "1"),
  DEG_C(-1, "degC", Dimension.TEMPERATURE, "1"),
  HOURS(-1, "h", Dimension.TIME, "1"),
  COUNT(-1, "", Dimension.COUNT, "1");

  /** What a unit measures; only units of one dimension convert into each other. */
  public enum Dimension { ENERGY, POWER, VOLUME, FLOW, VOLTAGE, CURRENT, TEMPERATURE, TIME, COUNT }

  private final int code;
  private final String symbol;
  private final Dimension dimension;
  private final BigDecimal factor;

  MeterUnit(int code, String symbol, Dimension dimension, String factor) {
    this.code = code;
    this.symbol = symbol;
    this.dimension = dimension;
    this.factor = new BigDecimal(factor);
  }

  /** The CJ/T 188 unit code, or -1 for units the standard gives no code. */
  public int code() {
    return code;
  }

  public String symbol() {
    return symbol;
  }

  public Dimension dimension() {
    return dimension;
  }

  /** The unit of CJ/T 188 unit code {@code code}, if the standard defines it. */
  public static Optional<MeterUnit> ofCode(int code) {
    for (MeterUnit u : values()) {
      if (u.code == code && code >= 0) {
        return Optional.of(u);
      }
    }
    return Optional.empty();
  }

  /** The unit a config names ({@code kWh}, {@code m3}; case as written), excluding the "x 100" units; none for "". */
  public static Optional<MeterUnit> ofSymbol(String symbol) {
    if (symbol.isEmpty()) {
      return Optional.empty();
    }
    for (MeterUnit u : values()) {
      if (u.symbol.equals(symbol) && !u.symbol.contains(" x ")) {
        return Optional.of(u);
      }
    }
    return Optional.empty();
  }

  /**
   * {@code value} in this unit expressed in {@code target}, exact where the factors allow (every
   * pair but energy between the J and Wh families, which is rounded to 34 significant digits,
   * far below any channel's step).
   */
  public BigDecimal convert(BigDecimal value, MeterUnit target) {
    if (target.dimension != dimension) {
      throw new IllegalArgumentException(symbol + " is " + dimension.name().toLowerCase(Locale.ROOT)
          + " and cannot be expressed in " + target.symbol);
    }
    if (target == this) {
      return value;
    }
    return value.multiply(factor).divide(target.factor, MathContext.DECIMAL128).stripTrailingZeros();
  }

  @Override
  public String toString() {
    return symbol;
  }
}

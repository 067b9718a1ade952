package io.mast.drivers.codec;

import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.util.Map;
import java.util.Optional;

/**
 * What a CJ/T 188 meter answered to "read current data" (DI 901F): its values by quantity, each
 * with the unit the meter sent, the meter's clock and its status word.
 *
 * <p>Quantities of a water or gas meter: {@code volume} (current accumulated flow) and
 * {@code volume_settlement} (at the last settlement day). A heat or cooling meter adds
 * {@code heat}, {@code heat_settlement}, {@code power}, {@code flow}, {@code supply_temp},
 * {@code return_temp} and {@code hours} (accumulated working time).
 *
 * <p>The status word is ST0 in its low byte, ST1 in its high byte. The standard fixes ST0's D0-D1
 * (valve: 00 open, 01 closed, 11 abnormal) and D2 (battery: 1 low); the other bits are the
 * maker's (tamper and magnetic attack flags live there).
 */
public record Cjt188Data(int meterType, String address, Map<String, Value> values, LocalDateTime meterTime, int status) {

  /** One value and the unit the meter sent it in. */
  public record Value(BigDecimal amount, MeterUnit unit) {
    @Override
    public String toString() {
      return amount.toPlainString() + (unit.symbol().isEmpty() ? "" : " " + unit.symbol());
    }
  }

  /** The valve as ST0 D0-D1 report it. */
  public enum Valve { OPEN, CLOSED, ABNORMAL }

  public Cjt188Data {
    values = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values));
  }

  public Optional<Value> value(String quantity) {
    return Optional.ofNullable(values.get(quantity));
  }

  /** Valve state: 00 open, 01 closed, 11 abnormal; the undefined 10 counts as abnormal too. */
  public Valve valve() {
    switch (status & 0x03) {
      case 0: return Valve.OPEN;
      case 1: return Valve.CLOSED;
      default: return Valve.ABNORMAL;
    }
  }

  public boolean batteryLow() {
    return (status & 0x04) != 0;
  }

  /** Whether status bit {@code bit} (0..15, ST0 D0 = 0, ST1 D7 = 15) is set. */
  public boolean statusBit(int bit) {
    return (status >> bit & 1) != 0;
  }
}

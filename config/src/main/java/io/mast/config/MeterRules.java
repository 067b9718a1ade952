package io.mast.config;

import io.mast.config.model.DriverKind;
import io.mast.config.model.Meter;
import io.mast.config.model.MeterType;
import io.mast.config.model.Sensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The rules of {@code cjt188} and {@code dlt645} sensors, checked by one {@link Validation} run
 * sensor by sensor: the meter's address and type, the quantities each standard delivers and the
 * units a channel may take for each (the driver converts the meter's value into it), and the
 * rules that span the sensors of one bus (a wildcard address reaches the only meter there is; one
 * meter has one type).
 */
final class MeterRules {
  /** CJ/T 188 quantities and the units a channel may take for each; an empty unit is the standard's own. */
  static final Map<String, Set<String>> CJT188_UNITS = table(
      "volume", "m3 L", "volume_settlement", "m3 L",
      "heat", "kWh Wh MWh J kJ MJ GJ", "heat_settlement", "kWh Wh MWh J kJ MJ GJ",
      "power", "kW W MW", "flow", "m3/h L/h", "supply_temp", "degC", "return_temp", "degC", "hours", "h",
      "valve_closed", "", "valve_fault", "", "battery_low", "", "tamper", "", "status", "");
  /** DL/T 645 quantities and the units a channel may take for each. */
  static final Map<String, Set<String>> DLT645_UNITS = table(
      "energy", "kWh Wh MWh", "energy_t1", "kWh Wh MWh", "energy_t2", "kWh Wh MWh", "energy_t3", "kWh Wh MWh",
      "energy_t4", "kWh Wh MWh", "energy_forward", "kWh Wh MWh", "energy_reverse", "kWh Wh MWh",
      "voltage_a", "V", "voltage_b", "V", "voltage_c", "V", "current_a", "A", "current_b", "A", "current_c", "A",
      "power", "kW W MW", "power_a", "kW W MW", "power_b", "kW W MW", "power_c", "kW W MW", "cover_opened", "");
  /** Quantities only a heat or cooling meter (type 2x) has. */
  static final Set<String> HEAT_ONLY = Set.of("heat", "heat_settlement", "power", "flow", "supply_temp", "return_temp", "hours");

  /** By bus: the first meter address seen and where, to check wildcards and types across sensors. */
  private final Map<String, Map<String, String>> addressesByBus = new HashMap<>();
  private final Map<String, MeterType> types = new HashMap<>();

  private static Map<String, Set<String>> table(String... pairs) {
    Map<String, Set<String>> out = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      out.put(pairs[i], pairs[i + 1].isEmpty() ? Set.of() : Set.of(pairs[i + 1].split(" ")));
    }
    return out;
  }

  List<Problem> check(Sensor s, String at) {
    List<Problem> problems = new ArrayList<>();
    boolean cjt = s.getDriver() == DriverKind.CJT188;
    String kind = cjt ? "cjt188" : "dlt645";
    if (!s.hasMeter()) {
      problems.add(Problem.error(at + ".meter", "is required for a " + kind + " sensor: {\"address\": \"" + (cjt ? "12345678901234" : "123456789012") + "\"}"));
      return problems;
    }
    Meter m = s.getMeter();
    int digits = cjt ? 14 : 12;
    String address = m.getAddress().toUpperCase(Locale.ROOT);
    if (!address.isEmpty() && !isAddress(address, digits)) {
      problems.add(Problem.error(at + ".meter.address", ConfigJson.quote(m.getAddress(), '\'') + " is not a " + kind + " address: "
          + digits + " digits as on the nameplate, each pair 00..99 or AA for any meter"));
    }
    if (!cjt) {
      if (m.getType() != MeterType.METER_TYPE_UNSPECIFIED) {
        problems.add(Problem.error(at + ".meter.type", m.getType() + " is a CJ/T 188 meter type; a dlt645 meter has none"));
      }
      if (m.hasTamperBit() || m.getDiHighFirst()) {
        problems.add(Problem.error(at + ".meter", "tamper_bit and di_high_first apply to cjt188 meters only"));
      }
    }
    Set<String> units = (cjt ? CJT188_UNITS : DLT645_UNITS).get(s.getQuantity());
    if (units != null) {
      if (!s.getUnit().isEmpty() && !units.contains(s.getUnit())) {
        problems.add(Problem.error(at + ".unit", ConfigJson.quote(s.getUnit(), '\'') + " is not a unit of " + kind + " " + s.getQuantity()
            + (units.isEmpty() ? ": it has none, leave it empty" : ": use one of " + String.join(", ", new java.util.TreeSet<>(units)))));
      }
      MeterType type = m.getType() == MeterType.METER_TYPE_UNSPECIFIED ? MeterType.COLD_WATER : m.getType();
      boolean heatMeter = type == MeterType.HEAT || type == MeterType.COOLING;
      if (cjt && HEAT_ONLY.contains(s.getQuantity()) && !heatMeter) {
        problems.add(Problem.error(at + ".quantity", "'" + s.getQuantity() + "' is read from heat and cooling meters only; this meter is "
            + type + " (set meter.type HEAT or COOLING)"));
      }
      if (cjt && s.getQuantity().equals("volume_settlement") && heatMeter) {
        problems.add(Problem.error(at + ".quantity", "'volume_settlement' is not in a heat meter's answer"));
      }
      if (cjt && s.getQuantity().equals("tamper") && !m.hasTamperBit()) {
        problems.add(Problem.error(at + ".meter.tamper_bit", "is required by quantity tamper: the status bit the meter's maker uses (see its manual)"));
      }
    }
    if (isAddress(address, digits)) {
      sameBus(s, at, address, cjt, problems);
    }
    return problems;
  }

  /** A wildcard address must be the only meter on its bus; one address has one meter type. */
  private void sameBus(Sensor s, String at, String address, boolean cjt, List<Problem> problems) {
    Map<String, String> seen = addressesByBus.computeIfAbsent(s.getBus(), k -> new LinkedHashMap<>());
    seen.putIfAbsent(address, at);
    if (seen.size() > 1 && seen.keySet().stream().anyMatch(a -> a.contains("AA"))) {
      String wild = seen.keySet().stream().filter(a -> a.contains("AA")).findFirst().orElseThrow();
      problems.add(Problem.error(at + ".meter.address", "the wildcard address " + wild + " (" + seen.get(wild)
          + ") reaches whichever meter answers, so it must be the only meter on " + ConfigJson.shown(s.getBus())
          + "; give each meter its own address"));
    }
    if (cjt) {
      String key = s.getBus() + " " + address;
      MeterType type = s.getMeter().getType() == MeterType.METER_TYPE_UNSPECIFIED ? MeterType.COLD_WATER : s.getMeter().getType();
      MeterType other = types.putIfAbsent(key, type);
      if (other != null && other != type) {
        problems.add(Problem.error(at + ".meter.type", type + " but another sensor reads meter " + address + " as " + other));
      }
    }
  }

  static boolean isAddress(String digits, int length) {
    if (digits.length() != length) {
      return false;
    }
    for (int i = 0; i < length; i += 2) {
      char a = digits.charAt(i);
      char b = digits.charAt(i + 1);
      boolean decimal = a >= '0' && a <= '9' && b >= '0' && b <= '9';
      if (!decimal && !(a == 'A' && b == 'A')) {
        return false;
      }
    }
    return true;
  }
}

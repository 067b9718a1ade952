package io.mast.runtime.console;

import io.mast.config.model.Sensor;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.Locale;

/** How the console writes numbers for people: values with their unit, durations, sizes, percentages, columns. */
final class Text {
  private Text() {}

  /** A mantissa as the channel's decimal value with its unit: 725 at exponent -2 is "7.25 pH". */
  static String value(long mantissa, Sensor s) {
    BigDecimal v = BigDecimal.valueOf(mantissa, -s.getExponent());
    return v.toPlainString() + (s.getUnit().isEmpty() ? "" : " " + s.getUnit());
  }

  /** How long ago {@code epochMillis} was on {@code clock}: "12 s ago". */
  static String ago(Clock clock, long epochMillis) {
    return duration(Math.max(0, (clock.millis() - epochMillis) / 1000)) + " ago";
  }

  static String duration(long seconds) {
    if (seconds < 60) {
      return seconds + " s";
    }
    if (seconds < 3600) {
      return seconds / 60 + " min " + seconds % 60 + " s";
    }
    if (seconds < 86_400) {
      return seconds / 3600 + " h " + seconds % 3600 / 60 + " min";
    }
    return seconds / 86_400 + " d " + seconds % 86_400 / 3600 + " h";
  }

  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    if (n < 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
    }
    if (n < 1024L * 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f MiB", n / 1048576.0);
    }
    return String.format(Locale.ROOT, "%.1f GiB", n / 1073741824.0);
  }

  static String percent(long part, long whole) {
    return whole <= 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", 100.0 * part / whole);
  }

  /** {@code s} padded to a column of {@code w}, or followed by one space when it is as wide or wider. */
  static String pad(String s, int w) {
    return s.length() >= w ? s + " " : s + " ".repeat(w - s.length());
  }
}

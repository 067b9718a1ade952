package io.mast.drivers;

import java.util.List;

/**
 * What a probe of a meter bus found, as lines for a technician ({@code address = 12345678901234
 * (cold water meter, type 10)}, {@code volume = 123.45 m3}, or a status and its reason), and
 * whether every value was read.
 */
public record ProbeReport(List<String> lines, boolean ok) {
  public ProbeReport {
    lines = List.copyOf(lines);
  }
}

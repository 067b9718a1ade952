package io.mast.store;

import io.mast.protocol.Reading;

/**
 * One alarm transition as the alarm lane keeps it: which rule of the device config, raised or
 * cleared, the threshold crossed (a mantissa at the channel's exponent) and the reading that
 * crossed it.
 */
public record AlarmEvent(int rule, boolean raised, long threshold, Reading reading) {
  public AlarmEvent {
    if (rule < 0) {
      throw new IllegalArgumentException("alarm rule " + rule + " is negative");
    }
    java.util.Objects.requireNonNull(reading, "reading");
  }
}

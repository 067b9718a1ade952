package io.mast.protocol;

import java.util.List;

/**
 * The content of one frame: its sequence number, the profile it was encoded against and its
 * readings in {@link Reading#BY_TIME_THEN_CHANNEL} order.
 */
public record DecodedFrame(long seq, int profileId, List<Reading> readings) {
  public DecodedFrame {
    readings = List.copyOf(readings);
  }
}

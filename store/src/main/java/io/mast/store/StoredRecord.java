package io.mast.store;

import io.mast.protocol.Reading;
import java.util.List;

/** A record of the readings lane as read back: its sequence number and its readings, none for a frame cut. */
public record StoredRecord(long seq, List<Reading> readings) {
  public StoredRecord {
    readings = List.copyOf(readings);
  }

  /** True for a frame cut ({@link RingStore#appendCut()}). */
  public boolean isCut() {
    return readings.isEmpty();
  }
}

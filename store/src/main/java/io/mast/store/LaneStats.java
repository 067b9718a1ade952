package io.mast.store;

import io.mast.store.internal.StateFile;
import java.util.Map;

/**
 * Figures of one lane of the ring store.
 *
 * @param capacityBytes slots times segment size
 * @param segmentBytes size of one segment file
 * @param segments slots preallocated
 * @param segmentsInUse slots holding a segment of the ring
 * @param usedBytes bytes of those segments up to their last record, headers included
 * @param firstSeq sequence number of the oldest record kept
 * @param lastSeq sequence number of the newest record appended
 * @param durableSeq newest record made durable by a group commit
 * @param ackedSeq the acknowledged cursor
 * @param records records kept, acknowledged or not
 * @param unackedRecords records kept and not acknowledged
 * @param oldestUnackedTime Unix seconds of the oldest unacknowledged durable reading, -1 if none
 * @param evicted readings evicted unacknowledged since the store was created, per channel id
 *     (channel {@value StateFile#OTHER_CHANNEL} sums channels past the first
 *     {@value StateFile#MAX_CHANNELS})
 * @param evictedRecords records evicted unacknowledged since this open
 * @param corruptRecords records found corrupt or missing since this open, and skipped
 * @param corruptBySegment the segment files where corrupt records were skipped (bit rot), with how many
 * @param damagedSegments segments found damaged since this open
 * @param truncatedTails torn tails cut at this open (one after a power cut mid-write)
 * @param stateLost true if both state slots were corrupt at open (the cursor restarted at 0)
 * @param bytesWritten bytes this store has written to the lane's files since this open
 * @param epoch the lane's open count, stamped on every record written
 */
public record LaneStats(long capacityBytes, int segmentBytes, int segments, int segmentsInUse, long usedBytes,
    long firstSeq, long lastSeq, long durableSeq, long ackedSeq, long records, long unackedRecords,
    long oldestUnackedTime, Map<Integer, Long> evicted, long evictedRecords, long corruptRecords,
    Map<String, Long> corruptBySegment, int damagedSegments, int truncatedTails, boolean stateLost, long bytesWritten, int epoch) {
  public LaneStats {
    evicted = Map.copyOf(evicted);
    corruptBySegment = Map.copyOf(corruptBySegment);
  }

  /** Readings evicted unacknowledged, over every channel. */
  public long evictedTotal() {
    return evicted.values().stream().mapToLong(Long::longValue).sum();
  }
}

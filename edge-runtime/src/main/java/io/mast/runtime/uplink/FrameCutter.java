package io.mast.runtime.uplink;

import io.mast.protocol.EncodedFrame;
import io.mast.protocol.FrameEncoder;
import io.mast.protocol.Reading;
import io.mast.runtime.store.StoredRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Cuts the readings lane into telemetry frames, the same way every time.
 *
 * <p><b>Why it must be deterministic.</b> A frame is sent until its PUBACK arrives, and after a
 * reconnect or a restart every unacknowledged frame is built again from the store and sent
 * again. The platform de-duplicates by (device, sequence number), so a frame sent twice must
 * hold exactly the same readings both times: a second copy with more readings would have them
 * dropped as a duplicate. So where a frame ends is a function of the stored records alone, never
 * of timing:
 * <ul>
 *   <li>a frame is whole records, from the first unacknowledged one on, and its sequence number
 *       is {@link #telemetrySeq(long) derived} from its first record's;
 *   <li>it ends at a stored <b>frame cut</b> ({@link io.mast.runtime.store.RingStore#appendCut()},
 *       written when the batch window closes, at the end of a replay and on shutdown), or earlier
 *       where the next record would make it exceed the maximum frame size;
 *   <li>the size search probes prefixes of 1, 2, 4, 8... records until one does not fit, then
 *       bisects between the last two probes. The probes depend only on the records, so the
 *       result does too, even where compressed size is not monotonic in the number of records.
 *       A run that has neither a cut nor a failed probe yet is not a frame yet.
 * </ul>
 *
 * <p><b>Sequence numbers.</b> Telemetry frames carry twice their first record's sequence number,
 * alarms twice their alarm record's plus one: one sequence space per device, no shared counter
 * to persist, and the numbers stay small on the wire.
 *
 * <p>Not thread safe; the uplink thread owns it.
 */
final class FrameCutter {
  /** What the next frame is: its records, and the frame itself or, for a run of cuts only or a dropped record, none. */
  record Cut(long firstRecord, long lastRecord, EncodedFrame frame, String dropped) {
    boolean hasFrame() {
      return frame != null;
    }
  }

  private final FrameEncoder encoder;
  private long encodes;

  FrameCutter(FrameEncoder encoder) {
    this.encoder = encoder;
  }

  static long telemetrySeq(long firstRecord) {
    return firstRecord * 2;
  }

  static long alarmSeq(long alarmRecord) {
    return alarmRecord * 2 + 1;
  }

  /** Frame encodings tried so far, for the benchmark's figures. */
  long encodes() {
    return encodes;
  }

  /**
   * The frame that starts at {@code ahead.get(0)}, or empty if the records so far do not close
   * one yet. {@code ahead} must be contiguous records from the first unacknowledged one.
   */
  Optional<Cut> next(List<StoredRecord> ahead) {
    if (ahead.isEmpty()) {
      return Optional.empty();
    }
    StoredRecord first = ahead.get(0);
    if (first.isCut()) {
      return Optional.of(new Cut(first.seq(), first.seq(), null, null));
    }
    int runEnd = 0;
    while (runEnd < ahead.size() && !ahead.get(runEnd).isCut()) {
      runEnd++;
    }
    boolean closedByCut = runEnd < ahead.size();
    long seq = telemetrySeq(first.seq());
    EncodedFrame fitting = null;
    int fits = 0;
    for (int probe = 1; ; probe *= 2) {
      if (probe > runEnd) {
        if (!closedByCut) {
          return Optional.empty();
        }
        EncodedFrame whole = probe / 2 == runEnd ? fitting : encode(ahead, runEnd, seq);
        if (whole != null) {
          return Optional.of(new Cut(first.seq(), ahead.get(runEnd).seq(), whole, null));
        }
        return Optional.of(bisect(ahead, fits, runEnd, fitting, seq));
      }
      EncodedFrame candidate = encode(ahead, probe, seq);
      if (candidate == null) {
        if (probe == 1) {
          return Optional.of(new Cut(first.seq(), first.seq(), null,
              "record " + first.seq() + " (" + first.readings().size() + " readings) does not fit in one frame of "
                  + encoder.maxFrameBytes() + " bytes"));
        }
        return Optional.of(bisect(ahead, fits, probe, fitting, seq));
      }
      fitting = candidate;
      fits = probe;
    }
  }

  /** The longest prefix between {@code lo} records (fits) and {@code hi} (does not). */
  private Cut bisect(List<StoredRecord> ahead, int lo, int hi, EncodedFrame fitting, long seq) {
    EncodedFrame best = fitting;
    while (hi - lo > 1) {
      int mid = (lo + hi) >>> 1;
      EncodedFrame candidate = encode(ahead, mid, seq);
      if (candidate != null) {
        lo = mid;
        best = candidate;
      } else {
        hi = mid;
      }
    }
    return new Cut(ahead.get(0).seq(), ahead.get(lo - 1).seq(), best, null);
  }

  private EncodedFrame encode(List<StoredRecord> ahead, int records, long seq) {
    List<Reading> readings = new ArrayList<>();
    for (int i = 0; i < records; i++) {
      readings.addAll(ahead.get(i).readings());
    }
    encodes++;
    return encoder.encodeOne(readings, seq).orElse(null);
  }
}

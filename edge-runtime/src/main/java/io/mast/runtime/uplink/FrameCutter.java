package io.mast.runtime.uplink;

import io.mast.protocol.EncodedFrame;
import io.mast.protocol.FrameEncoder;
import io.mast.protocol.Reading;
import io.mast.store.StoredRecord;
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
 *   <li>it ends at a stored <b>frame cut</b> ({@link io.mast.store.RingStore#appendCut()},
 *       written when the batch window closes, at the end of a replay and on shutdown), or earlier
 *       where the next record would make it exceed the maximum frame size;
 *   <li>the size search encodes prefixes of the run: it starts with one record, grows the prefix
 *       by the room left in the frame (at most eightfold) while it fits, and once a prefix does
 *       not fit, interpolates between the longest that fits and the shortest that does not. It
 *       stops at a prefix that fills at least 95% of the maximum or is one record short of one
 *       that does not fit. Each probe depends only on the records and the sizes of earlier
 *       probes, so the result does too, even where compressed size is not monotonic in the
 *       number of records. A run whose next probe needs records not yet stored, and that no
 *       cut closes, is not a frame yet.
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

  /** A frame this full (of the maximum) is full enough: the search stops there. */
  private static final double FULL = 0.95;

  private final FrameEncoder encoder;

  FrameCutter(FrameEncoder encoder) {
    this.encoder = encoder;
  }

  FrameEncoder encoder() {
    return encoder;
  }

  static long telemetrySeq(long firstRecord) {
    return firstRecord * 2;
  }

  static long alarmSeq(long alarmRecord) {
    return alarmRecord * 2 + 1;
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
    double target = encoder.maxFrameBytes() * FULL;
    int lo = 0;
    int loSize = 0;
    EncodedFrame best = null;
    int hi = Integer.MAX_VALUE;
    int hiSize = 0;
    int k = 1;
    while (true) {
      if (k > runEnd) {
        if (!closedByCut) {
          return Optional.empty();
        }
        k = runEnd;
      }
      EncodedFrame encoded = encode(ahead, k, seq);
      int size = encoded == null ? Integer.MAX_VALUE : encoded.bytes().length;
      EncodedFrame candidate = size <= encoder.maxFrameBytes() ? encoded : null;
      if (candidate != null) {
        lo = k;
        loSize = size;
        best = candidate;
        if (k == runEnd && closedByCut) {
          return Optional.of(new Cut(first.seq(), ahead.get(runEnd).seq(), candidate, null));
        }
        if (size >= target) {
          break;
        }
      } else {
        hi = k;
        hiSize = size;
      }
      if (hi - lo <= 1) {
        break;
      }
      k = nextProbe(lo, loSize, hi, hiSize, target);
    }
    if (best == null) {
      return Optional.of(new Cut(first.seq(), first.seq(), null,
          "record " + first.seq() + " (" + first.readings().size() + " readings) does not fit in one frame of "
              + encoder.maxFrameBytes() + " bytes"));
    }
    return Optional.of(new Cut(first.seq(), ahead.get(lo - 1).seq(), best, null));
  }

  /**
   * The next prefix length to try: grown from the last fitting one by the room left (at most
   * 8 times) while no probe has failed, then interpolated between the fitting and the failing one.
   */
  private static int nextProbe(int lo, int loSize, int hi, int hiSize, double target) {
    if (hi == Integer.MAX_VALUE) {
      long grown = Math.round(lo * target / Math.max(1, loSize));
      return (int) Math.max(lo + 1L, Math.min(8L * lo, grown));
    }
    double fraction = (target - loSize) / Math.max(1, hiSize - loSize);
    long guess = lo + Math.round(fraction * (hi - lo));
    return (int) Math.max(lo + 1L, Math.min(hi - 1L, guess));
  }

  private EncodedFrame encode(List<StoredRecord> ahead, int records, long seq) {
    return encoder.encodeUnbounded(readings(ahead, records), seq).orElse(null);
  }

  private static List<Reading> readings(List<StoredRecord> ahead, int records) {
    List<Reading> readings = new ArrayList<>();
    for (int i = 0; i < records; i++) {
      readings.addAll(ahead.get(i).readings());
    }
    return readings;
  }
}

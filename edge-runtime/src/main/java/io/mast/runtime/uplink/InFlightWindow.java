package io.mast.runtime.uplink;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;

/**
 * The frames sent and awaiting their PUBACK, in two lanes (telemetry, alarms), and how far each
 * lane's store cursor may move. PUBACKs may come back out of order; a lane's cursor moves only
 * over its prefix of acknowledged frames, so an out-of-order PUBACK never acknowledges a record
 * whose frame is still in flight. At most {@code capacity} frames are in flight across both lanes.
 *
 * <p>A telemetry stretch that needs no frame (records that are only cuts) takes its place in
 * the lane as already acknowledged, so the cursor passes it in order, once the frames before it
 * are acknowledged.
 *
 * <p>Not thread safe: the uplink thread owns it.
 */
final class InFlightWindow {
  /** The two lanes; each has its own store cursor. */
  enum Lane { TELEMETRY, ALARMS }

  /** A frame sent: its sequence number, the last store record it covers, its readings, and when it left. */
  record Frame(long seq, long lastRecord, int readings, long sentNanos) {}

  /**
   * What an acknowledgement moved: the lane's new cursor (the last record now acknowledged), and
   * the frames and readings acknowledged by this move (passed stretches count for neither).
   */
  record Advance(Lane lane, long cursor, int frames, long readings) {}

  private static final class Entry {
    final Frame frame;
    boolean acked;

    Entry(Frame frame, boolean acked) {
      this.frame = frame;
      this.acked = acked;
    }
  }

  private final int capacity;
  private final ArrayDeque<Entry> telemetry = new ArrayDeque<>();
  private final ArrayDeque<Entry> alarms = new ArrayDeque<>();
  private double rttMillis;

  InFlightWindow(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("in-flight window of " + capacity + " frames; at least 1");
    }
    this.capacity = capacity;
  }

  /** Frames awaiting their PUBACK (passed stretches not counted). */
  int inFlight() {
    return (int) (telemetry.stream().filter(e -> !e.acked).count() + alarms.stream().filter(e -> !e.acked).count());
  }

  /** The frame awaiting its PUBACK the longest, if any. */
  Optional<Frame> oldestUnacked() {
    Frame oldest = null;
    for (ArrayDeque<Entry> lane : List.of(telemetry, alarms)) {
      for (Entry e : lane) {
        if (!e.acked && (oldest == null || e.frame.sentNanos() - oldest.sentNanos() < 0)) {
          oldest = e.frame;
        }
      }
    }
    return Optional.ofNullable(oldest);
  }

  /** True when no more frames may be sent before an acknowledgement. */
  boolean full() {
    return telemetry.size() + alarms.size() >= capacity;
  }

  /** A frame was published on {@code lane}. */
  void sent(Lane lane, Frame frame) {
    lane(lane).add(new Entry(frame, false));
  }

  /** Telemetry records up to {@code lastRecord} need no frame; the cursor passes them in order. */
  Optional<Advance> passed(long lastRecord) {
    telemetry.add(new Entry(new Frame(-1, lastRecord, 0, 0), true));
    return advance(Lane.TELEMETRY);
  }

  /**
   * The PUBACK of frame {@code seq} on {@code lane} arrived at {@code nowNanos}; returns how far the
   * lane's cursor moves, if at all. An unknown or repeated acknowledgement moves nothing.
   */
  Optional<Advance> acknowledged(Lane lane, long seq, long nowNanos) {
    for (Entry e : lane(lane)) {
      if (!e.acked && e.frame.seq() == seq) {
        e.acked = true;
        double sample = (nowNanos - e.frame.sentNanos()) / 1e6;
        rttMillis = rttMillis == 0 ? sample : rttMillis + (sample - rttMillis) / 16;
        break;
      }
    }
    return advance(lane);
  }

  private Optional<Advance> advance(Lane lane) {
    ArrayDeque<Entry> pending = lane(lane);
    long cursor = -1;
    int frames = 0;
    long readings = 0;
    while (!pending.isEmpty() && pending.peekFirst().acked) {
      Frame f = pending.pollFirst().frame;
      cursor = f.lastRecord();
      if (f.seq() >= 0) {
        frames++;
        readings += f.readings();
      }
    }
    return cursor < 0 ? Optional.empty() : Optional.of(new Advance(lane, cursor, frames, readings));
  }

  /** After a new connection: what was in flight is forgotten; it is sent again from the store. */
  void clear() {
    telemetry.clear();
    alarms.clear();
  }

  /** Publish to PUBACK, a moving mean over about 16 frames; 0 before the first. */
  double rttMillis() {
    return rttMillis;
  }

  private ArrayDeque<Entry> lane(Lane lane) {
    return lane == Lane.TELEMETRY ? telemetry : alarms;
  }
}

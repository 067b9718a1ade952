package io.mast.tools;

import io.mast.protocol.EncodedFrame;
import io.mast.protocol.FrameEncoder;
import io.mast.protocol.Reading;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Cuts readings into batch windows aligned to multiples of the window length in Unix time (an
 * 86400-second window is a UTC day) and encodes each window into frames, numbering frames
 * consecutively from 1, the way the runtime's batch window does.
 */
final class Windows {
  private Windows() {}

  static List<EncodedFrame> encode(FrameEncoder encoder, List<Reading> readings, long windowSeconds) {
    if (windowSeconds < 1) {
      throw new IllegalArgumentException("window " + windowSeconds + " s is below the minimum 1");
    }
    Map<Long, List<Reading>> windows = new TreeMap<>();
    for (Reading r : readings) {
      windows.computeIfAbsent(Math.floorDiv(r.time(), windowSeconds), w -> new ArrayList<>()).add(r);
    }
    List<EncodedFrame> frames = new ArrayList<>();
    for (List<Reading> window : windows.values()) {
      frames.addAll(encoder.encode(window, frames.size() + 1L));
    }
    return frames;
  }
}

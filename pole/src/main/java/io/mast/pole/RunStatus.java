package io.mast.pole;

import io.mast.runtime.EdgeRuntime;
import io.mast.runtime.uplink.Link;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The words of {@code mast run}'s status line and stop summary, from a runtime snapshot. Pure:
 * a snapshot in, text out, so the wording is tested without a terminal.
 *
 * <p>Readings are counted in readings everywhere (stored, acknowledged); frames in frames; the
 * store's backlog is counted in records, and says so. The status line keeps to {@code width}
 * columns by dropping its least important parts first.
 */
final class RunStatus {
  private RunStatus() {}

  /** "1 frame", "2 frames", "1,234 readings". */
  static String count(long n, String noun) {
    return String.format(Locale.ROOT, "%,d %s%s", n, noun, n == 1 ? "" : "s");
  }

  /** 999 B, 12.3 kB, 4.5 MB. */
  static String bytes(long n) {
    if (n < 1000) {
      return n + " B";
    }
    if (n < 1_000_000) {
      return String.format(Locale.ROOT, "%.1f kB", n / 1e3);
    }
    return String.format(Locale.ROOT, "%.1f MB", n / 1e6);
  }

  static String link(Link.State state, String broker) {
    return switch (state) {
      case CONNECTED -> "link up" + (broker.isEmpty() ? "" : " " + broker);
      case CONNECTING -> "link connecting";
      case WAITING -> "link down, retrying";
      case STOPPED -> "link closed";
    };
  }

  /**
   * The status line: readings stored and acknowledged, frames, link, bytes, alarms, backlog; at
   * most {@code width} characters.
   *
   * @param broker how to name the broker (not the link emulator's port in front of it)
   */
  static String line(EdgeRuntime.Snapshot s, String broker, int width) {
    List<String> parts = new ArrayList<>();
    parts.add(String.format(Locale.ROOT, "%s stored, %,d acked", count(s.stored(), "reading"), s.readingsAcked()));
    parts.add(link(s.link(), broker));
    parts.add(count(s.framesAcked(), "frame") + " acked");
    parts.add(bytes(s.bytesOnWire()) + " sent");
    if (s.alarms() > 0) {
      parts.add(count(s.alarms(), "alarm"));
    }
    if (s.unacked() > 0) {
      parts.add(count(s.unacked(), "record") + " queued");
    }
    while (true) {
      String text = String.join(" | ", parts);
      if (text.length() <= width || parts.size() <= 2) {
        return text.length() <= width ? text : text.substring(0, Math.max(0, width));
      }
      parts.remove(parts.size() - 1);
    }
  }

  /**
   * The stop summary, three lines that fit 80 columns: {@code stopped after 32.1 s: 320 readings
   * stored, 320 acknowledged}, {@code 4 frames sent, 4 acknowledged, 0 alarms, 3.4 kB on the wire}
   * and {@code nothing left unsent} (or what stays in the store for the next start).
   */
  static List<String> summary(double seconds, EdgeRuntime.Snapshot s) {
    return List.of(
        String.format(Locale.ROOT, "stopped after %.1f s: %s stored, %,d acknowledged", seconds, count(s.stored(), "reading"),
            s.readingsAcked()),
        String.format(Locale.ROOT, "%s sent, %,d acknowledged, %s, %s on the wire", count(s.framesSent(), "frame"),
            s.framesAcked(), count(s.alarms(), "alarm"), bytes(s.bytesOnWire())),
        s.unacked() == 0 ? "nothing left unsent" : count(s.unacked(), "record") + " left unsent in the store; they go at the next start");
  }

  /** The stop summary of {@code runtime} on {@code err}, each line after "mast: ". */
  static void print(io.mast.runtime.EdgeRuntime runtime, java.io.PrintStream err) {
    try {
      RunStatus.summary(runtime.uptimeMillis() / 1000.0, runtime.snapshot()).forEach(l -> err.println("mast: " + l));
    } catch (java.io.IOException | RuntimeException e) {
      err.println("mast: stopped (" + e.getMessage() + ")");
    }
    err.flush();
  }
}

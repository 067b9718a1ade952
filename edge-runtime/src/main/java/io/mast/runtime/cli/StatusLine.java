package io.mast.runtime.cli;

import io.mast.runtime.EdgeRuntime;
import java.io.IOException;
import java.io.PrintStream;

/**
 * The live status line of {@code mast run} on a terminal: readings stored, frames sent and
 * acknowledged, bytes on the wire, link state, refreshed in place about once a second. Silent
 * when the process is not attached to a terminal (a service, a pipe, a test).
 */
final class StatusLine {
  private final EdgeRuntime runtime;
  private final PrintStream out;
  private final boolean active;
  private long shownAt;
  private int width;

  StatusLine(EdgeRuntime runtime, PrintStream out) {
    this.runtime = runtime;
    this.out = out;
    this.active = System.console() != null;
  }

  boolean active() {
    return active;
  }

  void update() {
    long now = System.nanoTime();
    if (!active || now - shownAt < 1_000_000_000L) {
      return;
    }
    shownAt = now;
    try {
      EdgeRuntime.Snapshot s = runtime.snapshot();
      String text = String.format("stored %d | sent %d frames | acked %d frames, %d readings | alarms %d | %d bytes | link %s%s | unacked %d",
          s.stored(), s.framesSent(), s.framesAcked(), s.readingsAcked(), s.alarms(), s.bytesOnWire(),
          s.link().name().toLowerCase(java.util.Locale.ROOT), s.broker().isEmpty() ? "" : " " + s.broker(), s.unacked());
      out.print("\r" + text + " ".repeat(Math.max(0, width - text.length())));
      out.flush();
      width = text.length();
    } catch (IOException e) {
      // the next refresh tries again
    }
  }

  void finish() {
    if (active && width > 0) {
      out.println();
      width = 0;
    }
  }
}

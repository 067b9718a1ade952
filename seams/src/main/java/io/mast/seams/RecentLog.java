package io.mast.seams;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The newest log lines of this process, in memory, for the technician's {@code log} command: a
 * ring of at most {@value #CAPACITY} lines of at most {@value #LINE_CHARS} characters each (about
 * 100 KB at worst), filled by the logging back end's writer. Nothing is written to flash.
 * Thread-safe.
 */
public final class RecentLog {
  /** Lines kept. */
  public static final int CAPACITY = 400;
  /** Characters kept of one line. */
  public static final int LINE_CHARS = 240;

  private static final Deque<String> LINES = new ArrayDeque<>();

  private RecentLog() {}

  /** Adds a line, cut to {@value #LINE_CHARS} characters; the oldest goes when full. */
  public static void add(String line) {
    String kept = line.length() > LINE_CHARS ? line.substring(0, LINE_CHARS - 3) + "..." : line;
    synchronized (LINES) {
      if (LINES.size() == CAPACITY) {
        LINES.removeFirst();
      }
      LINES.addLast(kept);
    }
  }

  /** The newest {@code n} lines, oldest first. */
  public static List<String> newest(int n) {
    synchronized (LINES) {
      List<String> all = new ArrayList<>(LINES);
      return List.copyOf(all.subList(Math.max(0, all.size() - n), all.size()));
    }
  }
}

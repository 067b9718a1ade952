package io.mast.seams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Log lines about what an outsider can make happen again and again (a refused control message, a
 * message dropped because a queue is full, a bad chunk), bounded on flash: for each reason, one
 * line per {@link #QUIET}, with the count of the ones not said. The first of a reason is said at
 * once; later ones within the minute are counted; the next line of that reason (or
 * {@link #flush}, which the pole's timer calls every minute) says how many went unsaid. A flood of
 * 10,000 forged messages a second writes a line per reason a minute, not 10,000.
 *
 * <p>The reason is the line's <em>shape</em> ({@link #shape}): digits and quoted text made alike,
 * so "version 17 is not newer" and "version 18 is not newer" are one reason, and a forger who
 * varies a key id or a number does not make each message a reason of its own. At most
 * {@value #MAX_REASONS} reasons are kept; beyond them, reasons share one ("other reasons"), so the
 * map is bounded whatever arrives. Attacker-chosen text in a line is cut to
 * {@value #LINE_CHARS} characters and control characters are shown as {@code ?}.
 *
 * <p>Thread-safe.
 */
public final class QuietLog {
  /** The least time between two lines of one reason. */
  public static final Duration QUIET = Duration.ofMinutes(1);
  /** Reasons kept apart; more share one. */
  public static final int MAX_REASONS = 64;
  /** Characters of a line kept. */
  public static final int LINE_CHARS = 300;

  private static final String OTHER = "(other reasons)";

  private static final class Reason {
    long saidAt;
    long unsaid;
    String last;
  }

  private final LongSupplier nanos;
  private final Consumer<String> out;
  private final Map<String, Reason> reasons = new LinkedHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong said = new java.util.concurrent.atomic.AtomicLong();

  /** @param out writes one line (a WARN on the pole); @param nanos the clock ({@code System::nanoTime}) */
  public QuietLog(LongSupplier nanos, Consumer<String> out) {
    this.nanos = nanos;
    this.out = out;
  }

  /**
   * Says {@code line} unless a line of its shape was said within {@link #QUIET}; true when it was
   * said now (the caller may answer the message, e.g. a refusal sent back: answers are bounded the
   * same way as the log).
   */
  public boolean say(String line) {
    String kept = clean(line);
    String key = shape(kept);
    long now = nanos.getAsLong();
    String said;
    synchronized (reasons) {
      Reason r = reasons.get(key);
      if (r == null) {
        if (reasons.size() >= MAX_REASONS) {
          key = OTHER;
          r = reasons.get(OTHER);
        }
        if (r == null) {
          r = new Reason();
          r.saidAt = now - QUIET.toNanos();
          reasons.put(key, r);
        }
      }
      if (now - r.saidAt < QUIET.toNanos()) {
        r.unsaid++;
        r.last = kept;
        return false;
      }
      said = kept + unsaid(r.unsaid, now - r.saidAt);
      r.saidAt = now;
      r.unsaid = 0;
      r.last = null;
    }
    this.said.incrementAndGet();
    out.accept(said);
    return true;
  }

  /**
   * Says, for each reason with lines unsaid whose minute has passed, the last of them with the
   * count; forgets reasons quiet for longer than a minute. Called every minute by the pole's timer.
   */
  public void flush() {
    long now = nanos.getAsLong();
    List<String> lines = new ArrayList<>();
    synchronized (reasons) {
      for (Iterator<Reason> it = reasons.values().iterator(); it.hasNext(); ) {
        Reason r = it.next();
        long since = now - r.saidAt;
        if (since < QUIET.toNanos()) {
          continue;
        }
        if (r.unsaid > 0) {
          lines.add(r.last + unsaid(r.unsaid - 1, since));
          r.saidAt = now;
          r.unsaid = 0;
          r.last = null;
        } else {
          it.remove();
        }
      }
    }
    said.addAndGet(lines.size());
    lines.forEach(out);
  }

  /** Lines said since this log was made. */
  public long said() {
    return said.get();
  }

  /** Reasons held now (at most {@value #MAX_REASONS} + 1). */
  public int reasons() {
    synchronized (reasons) {
      return reasons.size();
    }
  }

  private static String unsaid(long count, long sinceNanos) {
    return count == 0 ? "" : " (" + count + " more like it in the last " + Duration.ofNanos(sinceNanos).toSeconds() + " s)";
  }

  /** {@code line} with digits and quoted text made alike: what a reason is known by. */
  public static String shape(String line) {
    StringBuilder b = new StringBuilder(line.length());
    char quote = 0;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          b.append(c);
          quote = 0;
        }
      } else if (c == '\'' || c == '"') {
        b.append(c);
        quote = c;
      } else if (Character.isDigit(c)) {
        if (b.length() == 0 || b.charAt(b.length() - 1) != '#') {
          b.append('#');
        }
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /** {@code line} cut to {@value #LINE_CHARS} characters, control characters shown as {@code ?}. */
  static String clean(String line) {
    String cut = line.length() > LINE_CHARS ? line.substring(0, LINE_CHARS - 3) + "..." : line;
    StringBuilder b = new StringBuilder(cut.length());
    for (int i = 0; i < cut.length(); i++) {
      char c = cut.charAt(i);
      b.append(Character.isISOControl(c) ? '?' : c);
    }
    return b.toString();
  }
}

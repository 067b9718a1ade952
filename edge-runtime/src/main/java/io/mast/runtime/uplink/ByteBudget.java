package io.mast.runtime.uplink;

import io.mast.seams.AtomicFiles;
import io.mast.seams.DurableFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import org.tinylog.Logger;

/**
 * What the uplink may still spend: a daily byte budget (UTC days) and a bandwidth cap as a token
 * bucket of one second's worth of bytes. Bytes count what goes on the air for a publish: payload,
 * topic and MQTT header. Alarms, status and profile are {@code essential}: they are counted but
 * never held back by the daily budget (a pole over budget still raises its alarms); the
 * bandwidth cap applies to everything.
 *
 * <p><b>Across restarts.</b> With a {@link #ledger} the day's spending is kept in a file
 * ({@code YYYY-MM-DD BYTES}, replaced atomically) whenever it has grown by a hundredth of the daily
 * budget (at least 1 KiB) and when the uplink stops, and taken back at start if it is today's: a
 * pole restarted by a crash, a watchdog or an update does not start the day's budget afresh. A
 * crash forgets at most that hundredth: about 100 small writes a day bound the flash it costs.
 * Without a daily budget the file only carries the day's figure for health across restarts, so it
 * is kept every {@value #UNBUDGETED_STEP} bytes (an update's chunks of 8 KiB each cost a file
 * replace and two fsyncs before: found with 1,000 poles updating at once).
 *
 * <p>The uplink thread spends; {@code Uplink.stats()} reads from any thread, so the methods are
 * synchronized.
 */
final class ByteBudget {
  /** Bytes between two writes of the ledger when there is no daily budget. */
  static final long UNBUDGETED_STEP = 1 << 20;

  private long dailyBytes;
  private long bytesPerSecond;
  private final Clock clock;
  private LocalDate day;
  private long spentToday;
  private long total;
  private double tokens;
  private long refilledAtNanos;
  private final java.util.function.LongSupplier nanos;
  private DurableFiles files;
  private Path ledger;
  private long saved;

  ByteBudget(long dailyBytes, long bytesPerSecond, Clock clock, java.util.function.LongSupplier nanos) {
    this.dailyBytes = dailyBytes;
    this.bytesPerSecond = bytesPerSecond;
    this.clock = clock;
    this.nanos = nanos;
    this.day = LocalDate.now(clock.withZone(ZoneOffset.UTC));
    this.tokens = bytesPerSecond;
    this.refilledAtNanos = nanos.getAsLong();
  }

  /** Bytes a QoS 1 publish of {@code payload} bytes on {@code topic} costs on the wire. */
  static long wireBytes(String topic, int payload, boolean qos1) {
    long remaining = 2 + topic.length() + (qos1 ? 2 : 0) + payload;
    int lengthBytes = remaining < 128 ? 1 : remaining < 16_384 ? 2 : 3;
    return 1 + lengthBytes + remaining + (qos1 ? 4 : 0); // PUBACK back
  }

  /** True if routine traffic is held back until the next UTC day. */
  synchronized boolean overDailyBudget() {
    rollDay();
    return dailyBytes > 0 && spentToday >= dailyBytes;
  }

  /**
   * Nanoseconds to wait before {@code bytes} may go under the bandwidth cap; 0 if now. A send
   * larger than the bucket waits for a full bucket and then goes (it would never fit otherwise).
   */
  synchronized long waitNanos(long bytes) {
    if (bytesPerSecond == 0) {
      return 0;
    }
    refill();
    double need = Math.min(bytes, bytesPerSecond);
    if (tokens >= need) {
      return 0;
    }
    return (long) Math.ceil((need - tokens) * 1e9 / bytesPerSecond);
  }

  /** Records a send of {@code bytes}. */
  synchronized void spend(long bytes) {
    rollDay();
    spentToday += bytes;
    total += bytes;
    if (bytesPerSecond > 0) {
      refill();
      tokens -= bytes;
    }
    if (ledger != null && spentToday - saved >= (dailyBytes > 0 ? Math.max(1024, dailyBytes / 100) : UNBUDGETED_STEP)) {
      save();
    }
  }

  /**
   * Keeps the day's spending in {@code file} from now on, taking back what it holds for today. A
   * file that cannot be read counts from nothing, said once.
   */
  synchronized void ledger(DurableFiles files, Path file) {
    this.files = files;
    this.ledger = file;
    rollDay();
    try {
      AtomicFiles.removeLeftovers(files, file);
      if (!files.exists(file)) {
        return;
      }
      String[] f = new String(files.readAll(file), StandardCharsets.US_ASCII).strip().split(" ");
      if (f.length == 2 && LocalDate.parse(f[0]).equals(day)) {
        long kept = Long.parseLong(f[1]);
        if (kept < 0) {
          throw new NumberFormatException("negative: " + kept);
        }
        spentToday = Math.max(spentToday, kept);
        saved = spentToday;
      }
    } catch (IOException | DateTimeParseException | NumberFormatException e) {
      Logger.warn("uplink: the day's spending in {} cannot be read ({}); counting today's bytes from now", file, e.getMessage());
    }
  }

  /** Writes the day's spending to the ledger now (the uplink stops). */
  synchronized void save() {
    if (ledger == null) {
      return;
    }
    rollDay();
    try {
      AtomicFiles.replace(files, ledger, (day + " " + spentToday + "\n").getBytes(StandardCharsets.US_ASCII));
      saved = spentToday;
    } catch (IOException e) {
      Logger.warn("uplink: the day's spending cannot be kept in {}: {}", ledger, e.getMessage());
      saved = spentToday; // tried: the next try waits for the next step, not the next byte
    }
  }

  synchronized long spentToday() {
    rollDay();
    return spentToday;
  }

  synchronized long total() {
    return total;
  }

  synchronized long dailyBytes() {
    return dailyBytes;
  }

  /** New limits from a new config; what was spent today still counts against the new daily budget. */
  synchronized void limits(long daily, long perSecond) {
    refill();
    dailyBytes = daily;
    bytesPerSecond = perSecond;
    tokens = Math.min(tokens, perSecond);
  }

  private void refill() {
    long now = nanos.getAsLong();
    tokens = Math.min(bytesPerSecond, tokens + (now - refilledAtNanos) * bytesPerSecond / 1e9);
    refilledAtNanos = now;
  }

  private void rollDay() {
    LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
    if (!today.equals(day)) {
      day = today;
      spentToday = 0;
      saved = 0;
    }
  }
}

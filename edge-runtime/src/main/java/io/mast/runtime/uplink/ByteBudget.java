package io.mast.runtime.uplink;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * What the uplink may still spend: a daily byte budget (UTC days) and a bandwidth cap as a token
 * bucket of one second's worth of bytes. Bytes count what goes on the air for a publish: payload,
 * topic and MQTT header. Alarms, status and profile are {@code essential}: they are counted but
 * never held back by the daily budget (a pole over budget still raises its alarms); the
 * bandwidth cap applies to everything.
 *
 * <p>The uplink thread spends; {@code Uplink.stats()} reads from any thread, so the methods are
 * synchronized.
 */
final class ByteBudget {
  private long dailyBytes;
  private long bytesPerSecond;
  private final Clock clock;
  private LocalDate day;
  private long spentToday;
  private long total;
  private double tokens;
  private long refilledAtNanos;
  private final java.util.function.LongSupplier nanos;

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
    }
  }
}

package io.mast.runtime.uplink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.seams.ManualScheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ByteBudgetTest {
  @Test
  void aPublishCostsItsPayloadTopicHeaderAndPubackOnTheWire() {
    // fixed header 1 + length 1 + topic length 2 + topic 10 + packet id 2 + payload 100, then a 4-byte PUBACK
    assertEquals(1 + 1 + 2 + 10 + 2 + 100 + 4, ByteBudget.wireBytes("m/pole-1/t", 100, true));
    assertEquals(1 + 1 + 2 + 10 + 50, ByteBudget.wireBytes("m/pole-1/h", 50, false));
    assertEquals(1 + 2 + 2 + 10 + 2 + 1000 + 4, ByteBudget.wireBytes("m/pole-1/t", 1000, true), "two length bytes past 127");
  }

  @Test
  void theDailyBudgetHoldsRoutineTrafficUntilTheNextUtcDay() {
    try (ManualScheduler time = new ManualScheduler()) {
      Clock clock = time.clock(Instant.parse("2026-03-01T23:00:00Z"));
      ByteBudget b = new ByteBudget(1000, 0, clock, () -> 0L);
      b.spend(600);
      assertFalse(b.overDailyBudget());
      b.spend(600);
      assertTrue(b.overDailyBudget());
      assertEquals(1200, b.spentToday());
      time.advance(Duration.ofMinutes(61));
      assertFalse(b.overDailyBudget(), "a new UTC day");
      assertEquals(0, b.spentToday());
      assertEquals(1200, b.total());
    }
  }

  @Test
  void theBandwidthCapIsATokenBucketOfOneSecond() {
    AtomicLong nanos = new AtomicLong();
    ByteBudget b = new ByteBudget(0, 1000, Clock.systemUTC(), nanos::get);
    assertEquals(0, b.waitNanos(800), "a full bucket at start");
    b.spend(800);
    assertEquals(300_000_000, b.waitNanos(500), "200 left: 300 ms until 500 fit");
    nanos.addAndGet(300_000_000);
    assertEquals(0, b.waitNanos(500));
    b.spend(500);
    assertEquals(1_000_000_000, b.waitNanos(5000), "larger than the bucket: waits for a full bucket, then goes");
    assertEquals(0, new ByteBudget(0, 0, Clock.systemUTC(), nanos::get).waitNanos(1 << 20), "no cap");
  }
}

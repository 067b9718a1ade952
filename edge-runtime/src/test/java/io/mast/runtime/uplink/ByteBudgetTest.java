package io.mast.runtime.uplink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.seams.DurableFiles;
import io.mast.seams.ManualScheduler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ByteBudgetTest {
  @TempDir
  Path dir;

  @Test
  void withoutADailyBudgetTheDaysSpendingIsKeptEveryMebibyteNotEveryKibibyte() throws Exception {
    try (ManualScheduler time = new ManualScheduler()) {
      Clock clock = time.clock(Instant.parse("2026-03-01T10:00:00Z"));
      Path ledger = dir.resolve("uplink-budget");
      ByteBudget b = new ByteBudget(0, 0, clock, () -> 0L);
      b.ledger(DurableFiles.real(), ledger);
      for (int i = 0; i < 127; i++) {
        b.spend(8192); // an update's chunks
      }
      assertFalse(Files.exists(ledger), "127 chunks of 8 KiB are less than a mebibyte: nothing written yet");
      b.spend(8192);
      assertEquals("2026-03-01 1048576", Files.readString(ledger).strip(), "a mebibyte spent: kept");
    }
  }

  @Test
  void theDaysSpendingOutlivesARestartAndACrashForgetsAtMostAHundredthOfTheBudget() throws Exception {
    try (ManualScheduler time = new ManualScheduler()) {
      Clock clock = time.clock(Instant.parse("2026-03-01T10:00:00Z"));
      Path ledger = dir.resolve("uplink-budget");
      ByteBudget first = new ByteBudget(100_000, 0, clock, () -> 0L);
      first.ledger(DurableFiles.real(), ledger);
      first.spend(600);
      assertFalse(Files.exists(ledger), "600 bytes are less than a hundredth of the budget: nothing written yet");
      first.spend(600);
      assertEquals("2026-03-01 1200", Files.readString(ledger).strip(), "past the step (1,000 bytes): kept");
      first.spend(300);
      first.save(); // the uplink stops
      ByteBudget restarted = new ByteBudget(100_000, 0, clock, () -> 0L);
      restarted.ledger(DurableFiles.real(), ledger);
      assertEquals(1500, restarted.spentToday(), "a restart goes on from the day's spending");
      restarted.spend(900);
      ByteBudget crashed = new ByteBudget(100_000, 0, clock, () -> 0L); // the 900 were not kept: under a step
      crashed.ledger(DurableFiles.real(), ledger);
      assertEquals(1500, crashed.spentToday(), "a crash forgets at most a step");
      time.advance(Duration.ofDays(1));
      ByteBudget tomorrow = new ByteBudget(100_000, 0, clock, () -> 0L);
      tomorrow.ledger(DurableFiles.real(), ledger);
      assertEquals(0, tomorrow.spentToday(), "yesterday's spending is yesterday's");
    }
  }

  @Test
  void aLedgerThatCannotBeReadCountsFromNothing() throws Exception {
    Path ledger = dir.resolve("uplink-budget");
    for (String bad : new String[] {"garbage", "2026-13-45 10", "2026-03-01 -5", "2026-03-01 99999999999999999999", ""}) {
      Files.write(ledger, bad.getBytes(StandardCharsets.US_ASCII));
      try (ManualScheduler time = new ManualScheduler()) {
        ByteBudget b = new ByteBudget(1000, 0, time.clock(Instant.parse("2026-03-01T10:00:00Z")), () -> 0L);
        b.ledger(DurableFiles.real(), ledger);
        assertEquals(0, b.spentToday(), bad);
        b.spend(2000);
        assertTrue(b.overDailyBudget());
        assertEquals("2026-03-01 2000", Files.readString(ledger).strip(), "written over: " + bad);
      }
    }
  }

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

package io.mast.runtime.uplink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.seams.SerialExecutor;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TurnsTest {
  private final ExecutorService pool = Executors.newCachedThreadPool();
  private final ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() {
    pool.shutdownNow();
    ticks.shutdownNow();
  }

  @Test
  void wakesWhileATurnRunsGiveOneMoreTurnAndNoneIsLost() throws Exception {
    CountDownLatch inFirst = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger turns = new AtomicInteger();
    CountDownLatch second = new CountDownLatch(2);
    Turns[] t = new Turns[1];
    t[0] = new Turns(new SerialExecutor(pool, "mast-uplink", 2), ticks, () -> {
      if (turns.incrementAndGet() == 1) {
        inFirst.countDown();
        await(release);
      }
      second.countDown();
    }, () -> { });
    t[0].wake();
    assertTrue(inFirst.await(10, TimeUnit.SECONDS));
    for (int i = 0; i < 50; i++) {
      t[0].wake(); // while the first turn runs: one more turn, however many wakes
    }
    release.countDown();
    assertTrue(second.await(10, TimeUnit.SECONDS), "the wakes during the first turn gave a second");
    t[0].stop(Duration.ofSeconds(10));
    assertEquals(2, turns.get(), "fifty wakes during one turn are one more turn, not fifty");
  }

  @Test
  void aTurnAsksForTheNextWithinAWaitAndTheLastTurnRunsOnceWithNoTurnAfterIt() throws Exception {
    AtomicInteger turns = new AtomicInteger();
    AtomicInteger lasts = new AtomicInteger();
    CountDownLatch three = new CountDownLatch(3);
    SerialExecutor serial = new SerialExecutor(pool, "mast-uplink", 2);
    Turns[] t = new Turns[1];
    t[0] = new Turns(serial, ticks, () -> {
      turns.incrementAndGet();
      three.countDown();
      t[0].within(TimeUnit.MILLISECONDS.toNanos(20)); // timed turns go on by themselves
    }, lasts::incrementAndGet);
    t[0].wake();
    assertTrue(three.await(10, TimeUnit.SECONDS), "timed turns came");
    t[0].stop(Duration.ofSeconds(10));
    t[0].stop(Duration.ofSeconds(10));
    int after = turns.get();
    assertEquals(1, lasts.get(), "the last turn ran once");
    // a timed wake-up still pending after the stop runs no turn: proven by one that surely fires
    CountDownLatch fired = new CountDownLatch(1);
    ticks.schedule(() -> {
      t[0].wake();
      fired.countDown();
    }, 50, TimeUnit.MILLISECONDS);
    assertTrue(fired.await(10, TimeUnit.SECONDS));
    assertTrue(serial.awaitIdle(Duration.ofSeconds(10)), "the run that wake queued is over");
    assertEquals(after, turns.get(), "no turn after the last");
  }

  @Test
  void whenTheExecutorTakesNoMoreWorkTheLastTurnRunsInStop() {
    SerialExecutor serial = new SerialExecutor(pool, "mast-uplink", 2);
    AtomicInteger lasts = new AtomicInteger();
    Turns t = new Turns(serial, ticks, () -> { }, lasts::incrementAndGet);
    serial.shutdown();
    t.stop(Duration.ofSeconds(10));
    assertEquals(1, lasts.get());
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

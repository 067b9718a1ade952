package io.mast.seams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SerialExecutorTest {
  private final ExecutorService pool = Executors.newFixedThreadPool(4);

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  @Test
  void tasksRunOneAtATimeInTheOrderGivenOnASharedPoolUnderTheExecutorsName() throws Exception {
    SerialExecutor serial = new SerialExecutor(pool, "mast-test", Integer.MAX_VALUE);
    List<Integer> order = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger running = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    List<String> names = Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < 1000; i++) {
      int n = i;
      serial.execute(() -> {
        if (running.incrementAndGet() > 1) {
          overlaps.incrementAndGet();
        }
        order.add(n);
        names.add(Thread.currentThread().getName());
        running.decrementAndGet();
      });
    }
    assertTrue(serial.awaitIdle(Duration.ofSeconds(10)));
    assertEquals(1000, order.size());
    for (int i = 0; i < 1000; i++) {
      assertEquals(i, order.get(i));
    }
    assertEquals(0, overlaps.get());
    assertTrue(names.stream().allMatch("mast-test"::equals), names.get(0));
  }

  @Test
  void atMostCapacityWaitAndAShutDownExecutorTakesNothingMore() throws Exception {
    SerialExecutor serial = new SerialExecutor(pool, "mast-test", 2);
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    serial.execute(() -> {
      started.countDown();
      await(release);
    });
    assertTrue(started.await(10, TimeUnit.SECONDS));
    AtomicInteger ran = new AtomicInteger();
    assertTrue(serial.offer(ran::incrementAndGet));
    assertTrue(serial.offer(ran::incrementAndGet));
    assertFalse(serial.offer(ran::incrementAndGet), "a third waiting task is one too many");
    assertThrows(RejectedExecutionException.class, () -> serial.execute(ran::incrementAndGet));
    serial.shutdown();
    release.countDown();
    assertTrue(serial.awaitIdle(Duration.ofSeconds(10)));
    assertEquals(2, ran.get(), "what was queued before the shutdown still ran");
    assertFalse(serial.offer(ran::incrementAndGet));
  }

  @Test
  void aFailingTaskIsLoggedAndTheNextRuns() throws Exception {
    SerialExecutor serial = new SerialExecutor(pool, "mast-test", Integer.MAX_VALUE);
    CountDownLatch next = new CountDownLatch(1);
    serial.execute(() -> {
      throw new IllegalStateException("boom");
    });
    serial.execute(next::countDown);
    assertTrue(next.await(10, TimeUnit.SECONDS));
  }

  @Test
  void aBusyExecutorGivesItsThreadBackSoOthersOnAOneThreadPoolGoOn() throws Exception {
    ExecutorService one = Executors.newSingleThreadExecutor();
    try {
      SerialExecutor busy = new SerialExecutor(one, "busy", Integer.MAX_VALUE);
      SerialExecutor other = new SerialExecutor(one, "other", Integer.MAX_VALUE);
      AtomicInteger busyRan = new AtomicInteger();
      CountDownLatch blocked = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      busy.execute(() -> {
        blocked.countDown();
        await(release);
      });
      assertTrue(blocked.await(10, TimeUnit.SECONDS));
      for (int i = 0; i < 10 * SerialExecutor.BATCH; i++) {
        busy.execute(busyRan::incrementAndGet);
      }
      int[] seenByOther = new int[1];
      CountDownLatch otherRan = new CountDownLatch(1);
      other.execute(() -> {
        seenByOther[0] = busyRan.get();
        otherRan.countDown();
      });
      release.countDown();
      assertTrue(otherRan.await(10, TimeUnit.SECONDS));
      assertTrue(seenByOther[0] < 10 * SerialExecutor.BATCH,
          "the other executor ran before the busy one's queue was empty: it had run " + seenByOther[0]);
      assertTrue(busy.awaitIdle(Duration.ofSeconds(10)));
      assertEquals(10 * SerialExecutor.BATCH, busyRan.get());
    } finally {
      one.shutdownNow();
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

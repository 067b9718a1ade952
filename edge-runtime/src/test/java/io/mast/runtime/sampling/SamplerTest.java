package io.mast.runtime.sampling;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.drivers.ChannelSpec;
import io.mast.drivers.ChannelStatus;
import io.mast.drivers.ChannelValue;
import io.mast.drivers.Sample;
import io.mast.drivers.SensorDriver;
import io.mast.protocol.Channel;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.Reading;
import io.mast.runtime.alarm.AlarmRules;
import io.mast.seams.ManualScheduler;
import io.mast.store.RingStore;
import io.mast.store.StoredRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SamplerTest {
  private static final Instant START = Instant.parse("2026-03-01T00:00:03.250Z");
  private static final ChannelProfile PROFILE = ChannelProfile.of(List.of(
      new Channel(0, "fast", "", 0, 10, Channel.Kind.GAUGE, ""),
      new Channel(1, "slow", "", 0, 60, Channel.Kind.GAUGE, ""),
      new Channel(2, "other", "", 0, 10, Channel.Kind.GAUGE, "")));

  @TempDir
  Path dir;

  /** A driver whose values count its samples; it can fail, or block until released. */
  private static final class FakeDriver implements SensorDriver {
    final String name;
    final List<ChannelSpec> specs = new ArrayList<>();
    final AtomicInteger samples = new AtomicInteger();
    final AtomicInteger opens = new AtomicInteger();
    final AtomicInteger closes = new AtomicInteger();
    volatile boolean dead;
    volatile CountDownLatch entered;
    volatile CountDownLatch block;

    FakeDriver(String name, String... channels) {
      this.name = name;
      for (String c : channels) {
        specs.add(ChannelSpec.plain(c, "", 0));
      }
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public List<ChannelSpec> channels() {
      return specs;
    }

    @Override
    public void open() throws IOException {
      opens.incrementAndGet();
      if (dead) {
        throw new IOException("no answer on the bus");
      }
    }

    @Override
    public Sample sample() throws IOException {
      if (dead) {
        throw new IOException("device gone");
      }
      CountDownLatch in = entered;
      if (in != null) {
        in.countDown();
      }
      CountDownLatch b = block;
      if (b != null) {
        try {
          b.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      int n = samples.incrementAndGet();
      List<ChannelValue> values = new ArrayList<>();
      for (ChannelSpec s : specs) {
        values.add(s.channel().equals("slow") ? ChannelValue.failed(s.channel(), ChannelStatus.CRC_ERROR, "bad CRC 0x1234")
            : ChannelValue.ok(s.channel(), n));
      }
      return new Sample(values);
    }

    @Override
    public void close() {
      closes.incrementAndGet();
    }
  }

  private static List<Reading> all(RingStore store) throws IOException {
    List<Reading> out = new ArrayList<>();
    for (StoredRecord r : store.read(1, 1_000_000)) {
      out.addAll(r.readings());
    }
    return out;
  }

  @Test
  void aDayOfSamplingRunsInMillisecondsWithEveryReadingOnItsChannelsGrid() throws Exception {
    ManualScheduler scheduler = new ManualScheduler();
    FakeDriver driver = new FakeDriver("probe", "fast", "slow");
    try (RingStore store = RingStore.builder(dir).scheduler(scheduler).open()) {
      Ingest ingest = new Ingest(store, new AlarmRules(List.of(), PROFILE), 8, () -> {});
      Sampler sampler = new Sampler(List.of(driver), PROFILE, ingest, scheduler, scheduler.clock(START), n -> Runnable::run);
      sampler.start();
      scheduler.advance(Duration.ofDays(1));
      store.sync();
      List<Reading> readings = all(store);
      assertEquals(8640, readings.size(), "one fast reading per 10 s for a day; the slow channel always failed");
      long first = START.getEpochSecond() - START.getEpochSecond() % 10 + 10;
      for (int i = 0; i < readings.size(); i++) {
        assertEquals(first + i * 10L, readings.get(i).time(), "on the 10 s grid");
        assertEquals(0, readings.get(i).channel());
      }
      assertEquals(8640, sampler.ok(0));
      assertEquals(1440, sampler.errors(1), "the 60 s channel is sampled only on its own grid");
      assertTrue(sampler.lastError(1).startsWith("CRC_ERROR: bad CRC"), sampler.lastError(1));
      sampler.close();
    }
  }

  @Test
  void aDeadSensorIsRetriedWithBackoffAndNeverStopsAnother() throws Exception {
    ManualScheduler scheduler = new ManualScheduler();
    FakeDriver dead = new FakeDriver("dead", "fast");
    dead.dead = true;
    FakeDriver alive = new FakeDriver("alive", "other");
    try (RingStore store = RingStore.builder(dir).scheduler(scheduler).open()) {
      Ingest ingest = new Ingest(store, new AlarmRules(List.of(), PROFILE), 8, () -> {});
      Sampler sampler = new Sampler(List.of(dead, alive), PROFILE, ingest, scheduler, scheduler.clock(START), n -> Runnable::run);
      sampler.start();
      scheduler.advance(Duration.ofHours(1));
      assertEquals(360, alive.samples.get());
      assertEquals(360, sampler.errors(0), "every tick of the dead sensor counts a failure");
      // backoff 1, 2, 4 ... 300 s: far fewer than 360 attempts to open it in an hour
      assertTrue(dead.opens.get() < 30 && dead.opens.get() > 5, "open attempts " + dead.opens.get());
      dead.dead = false;
      scheduler.advance(Duration.ofMinutes(10));
      assertTrue(sampler.ok(0) > 0, "it comes back once the device answers");
      sampler.close();
    }
  }

  @Test
  void aBlockedSensorSkipsItsOwnTicksWhileTheOthersGoOn() throws Exception {
    ManualScheduler scheduler = new ManualScheduler();
    FakeDriver stuck = new FakeDriver("stuck", "fast");
    stuck.block = new CountDownLatch(1);
    FakeDriver alive = new FakeDriver("alive", "other");
    ExecutorService a = Executors.newSingleThreadExecutor();
    try (RingStore store = RingStore.builder(dir).scheduler(scheduler).open()) {
      Ingest ingest = new Ingest(store, new AlarmRules(List.of(), PROFILE), 8, () -> {});
      Sampler sampler = new Sampler(List.of(stuck, alive), PROFILE, ingest, scheduler, scheduler.clock(START),
          n -> n.equals("stuck") ? a : Runnable::run);
      sampler.start();
      // the stuck sensor blocks its own thread; the other samples in the thread that advances
      // time, so each of its samples is over before its next tick
      for (int i = 0; i < 30; i++) {
        scheduler.advance(Duration.ofSeconds(10));
      }
      assertEquals(30, alive.samples.get(), "the other sensor sampled every tick");
      assertEquals(0, stuck.samples.get());
      assertEquals(29, sampler.overruns(), "the stuck sensor's later ticks were skipped, not queued");
      stuck.block.countDown();
      sampler.close();
    } finally {
      a.shutdownNow();
    }
  }
  @Test
  void closingWaitsForTheSampleInProgressSoItIsStoredBeforeTheLastCut() throws Exception {
    ManualScheduler scheduler = new ManualScheduler();
    FakeDriver slow = new FakeDriver("slow", "fast");
    slow.entered = new CountDownLatch(1);
    slow.block = new CountDownLatch(1);
    ExecutorService a = Executors.newSingleThreadExecutor();
    AtomicInteger handedOver = new AtomicInteger();
    Executor counting = task -> {
      handedOver.incrementAndGet();
      a.execute(task);
    };
    try (RingStore store = RingStore.builder(dir).scheduler(scheduler).open()) {
      Ingest ingest = new Ingest(store, new AlarmRules(List.of(), PROFILE), 8, () -> {});
      Sampler sampler = new Sampler(List.of(slow), PROFILE, ingest, scheduler, scheduler.clock(START), n -> counting);
      sampler.start();
      scheduler.advance(Duration.ofSeconds(10));
      assertTrue(slow.entered.await(10, TimeUnit.SECONDS), "the driver is inside sample()");

      CompletableFuture<Void> closing = CompletableFuture.runAsync(sampler::close);
      // close() hands the driver's close to the driver's executor, behind the blocked sample
      await("close() queued the driver's close").atMost(Duration.ofSeconds(10)).until(() -> handedOver.get() == 2);
      assertFalse(closing.isDone(), "close() waits while the sample is blocked");
      slow.block.countDown();
      closing.get(10, TimeUnit.SECONDS);

      ingest.cut();
      store.sync();
      List<StoredRecord> records = store.read(1, 100);
      assertEquals(2, records.size(), "the sample, then the cut: " + records);
      assertEquals(1, records.get(0).readings().size(), "the sample taken while closing");
      assertTrue(records.get(1).isCut(), "the cut comes after it");
    } finally {
      slow.block.countDown();
      a.shutdownNow();
    }
  }

  @Test
  void aTickHandedToItsExecutorButNotStartedWhenCloseBeginsTakesNoSample() throws Exception {
    ManualScheduler scheduler = new ManualScheduler();
    FakeDriver driver = new FakeDriver("queued", "fast");
    List<Runnable> queued = java.util.Collections.synchronizedList(new ArrayList<>());
    try (RingStore store = RingStore.builder(dir).scheduler(scheduler).open()) {
      Ingest ingest = new Ingest(store, new AlarmRules(List.of(), PROFILE), 8, () -> {});
      Sampler sampler = new Sampler(List.of(driver), PROFILE, ingest, scheduler, scheduler.clock(START), n -> queued::add);
      sampler.start();
      scheduler.advance(Duration.ofSeconds(10));
      assertEquals(1, queued.size(), "the tick was handed over");
      Runnable tick = queued.remove(0);
      CompletableFuture<Void> closing = CompletableFuture.runAsync(sampler::close);
      await("close() queued the driver's close").atMost(Duration.ofSeconds(10)).until(() -> queued.size() == 1);
      tick.run();
      queued.remove(0).run();
      closing.get(10, TimeUnit.SECONDS);
      assertEquals(0, driver.samples.get(), "a tick that had not started when close() began does not sample");
      // a tick run before close() does sample: the check above could have failed
      Sampler other = new Sampler(List.of(driver), PROFILE, ingest, scheduler, scheduler.clock(START), n -> Runnable::run);
      other.start();
      scheduler.advance(Duration.ofSeconds(10));
      assertEquals(1, driver.samples.get());
      other.close();
    }
  }

  @Test
  void aNewConfigKeepsTheUnchangedDriversOpenAndTheirReadingsTakeTheNewChannelIds() throws Exception {
    ManualScheduler scheduler = new ManualScheduler();
    FakeDriver kept = new FakeDriver("kept", "other");
    FakeDriver removed = new FakeDriver("removed", "fast");
    try (RingStore store = RingStore.builder(dir).scheduler(scheduler).open()) {
      Ingest ingest = new Ingest(store, new AlarmRules(List.of(), PROFILE), 8, () -> {});
      java.time.Clock clock = scheduler.clock(START);
      Sampler before = new Sampler(List.of(kept, removed), PROFILE, ingest, scheduler, clock, n -> Runnable::run);
      before.start();
      scheduler.advance(Duration.ofSeconds(30));
      assertEquals(3, kept.samples.get());

      java.util.Set<SensorDriver> open = before.handOver(java.util.Set.of(kept));
      assertEquals(java.util.Set.of(kept), open);
      assertEquals(0, kept.closes.get(), "the kept driver stays open");
      assertEquals(1, removed.closes.get(), "the other is closed");
      scheduler.advance(Duration.ofSeconds(30));
      assertEquals(3, kept.samples.get(), "the old sampler ticks no more");

      ChannelProfile next = ChannelProfile.of(List.of(
          new Channel(0, "other", "", 0, 10, Channel.Kind.GAUGE, ""),
          new Channel(1, "added", "", 0, 10, Channel.Kind.GAUGE, "")));
      FakeDriver added = new FakeDriver("added", "added");
      added.dead = true;
      Sampler after = new Sampler(List.of(kept, added), open, next, ingest, scheduler, clock, n -> Runnable::run);
      assertEquals(List.of("added: no answer on the bus"), after.openAll().get(5, TimeUnit.SECONDS));
      assertEquals(1, kept.opens.get(), "a driver taken over is not opened again");
      after.start();
      scheduler.advance(Duration.ofSeconds(10));
      store.sync();
      List<Reading> readings = all(store);
      Reading last = readings.get(readings.size() - 1);
      assertEquals(0, last.channel(), "the kept driver's channel is id 0 in the new profile");
      assertEquals(4, last.mantissa());
      assertTrue(after.errors(1) > 0, "the added driver that does not open counts failures");
      after.close();
      assertEquals(1, kept.closes.get());
    }
  }
}

package io.mast.devkit;

import com.squareup.tape2.QueueFile;
import io.mast.datasets.SyntheticPole;
import io.mast.protocol.Reading;
import io.mast.seams.ManualScheduler;
import io.mast.store.RingStore;
import io.mast.store.RingStoreBuilder;
import io.mast.store.StoreStats;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mast bench store}: the ring store's durable appends per second and flash bytes per
 * reading, next to Square Tape's {@code QueueFile} (one {@code add} per reading, which is
 * durable when it returns) in the same run on the same file system.
 *
 * <p>Modes: as fast as it can for {@code --duration} (default); at {@code --rate R} readings per
 * second, where it runs the store with sync intervals of 1, 5 and 30 s and Tape side by side,
 * each on its own thread so that thread's {@code write_bytes} measures that store alone, and
 * projects flash megabytes per day; {@code --writer}, which appends readings whose value is
 * their sequence number and prints {@code synced SEQ} after every group commit, for a harness to
 * kill; and {@code --kill-cycles N}, that harness ({@link KillHarness}).
 */
@Command(name = "store", mixinStandardHelpOptions = true,
    description = {"Durable appends per second and flash bytes per reading of the ring store vs Tape's QueueFile.",
        "Prints one line of key=value pairs. Runs on a pole's SD card too: point --dir at it."})
final class StoreBench implements Callable<Integer> {
  static final long MIB = 1024 * 1024;
  private static final double[] RATE_SYNC_SECONDS = {1, 5, 30};

  @Option(names = "--dir", defaultValue = "mast-bench-store", paramLabel = "DIR",
      description = "Directory on the file system to measure; its mast/ and tape/ contents are replaced (default: ${DEFAULT-VALUE}).")
  Path dir;

  @Option(names = "--duration", paramLabel = "SECONDS", description = "How long each store runs, in seconds (default: 10, or 60 with --rate; --writer: until killed).")
  Integer seconds;

  @Option(names = "--rate", paramLabel = "PER_S", description = "Append this many readings per second instead of as fast as possible.")
  Double rate;

  @Option(names = "--sync-interval-ms", paramLabel = "MS", description = "Group commit interval in ms (default: the store's, 5000; 50 for --kill-cycles).")
  Long syncInterval;

  private long syncMs;

  @Option(names = "--capacity-bytes", defaultValue = "67108864", paramLabel = "BYTES", description = "Store capacity in bytes (default: ${DEFAULT-VALUE}).")
  long capacity;

  @Option(names = "--segment-bytes", paramLabel = "BYTES", description = "Segment size in bytes (default: 4 MiB, or a quarter of the capacity when smaller).")
  Integer segmentBytes;

  @Option(names = "--writer", description = "Append consecutive readings and print 'synced SEQ' after each commit, until killed.")
  boolean writer;

  @Option(names = "--kill-cycles", paramLabel = "N", description = "Run N cycles of: start a --writer, kill -9 it at a random moment, check with 'mast store dump'.")
  int killCycles;

  @Option(names = "--kill-max-ms", defaultValue = "1500", paramLabel = "MS", description = "Kill each writer within this many ms of its start (default: ${DEFAULT-VALUE}).")
  long killMaxMs;

  @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "Seed of the random kill moments (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    syncMs = syncInterval != null ? syncInterval : killCycles > 0 ? 50 : RingStore.DEFAULT_SYNC_INTERVAL.toMillis();
    if (writer) {
      runWriter(out);
      return 0;
    }
    if (killCycles > 0) {
      KillHarness.Result r = new KillHarness(dir, killCycles, killMaxMs, seed, syncMs, rate == null ? 2000 : rate,
          capacity, segmentBytes == null ? 256 * 1024 : segmentBytes).run(System.err);
      out.println(r.summary());
      return r.failures().isEmpty() ? 0 : 1;
    }
    Files.createDirectories(dir);
    quietEvictionWarnings();
    if (rate != null) {
      runAtRate(out);
    } else {
      runFullRate(out);
    }
    return 0;
  }

  private RingStoreBuilder builder(Path storeDir, Duration sync) {
    RingStoreBuilder b = RingStore.builder(storeDir).capacityBytes(capacity).syncInterval(sync);
    return segmentBytes == null ? b : b.segmentBytes(segmentBytes);
  }

  // ---------------------------------------------------------------- as fast as possible

  private void runFullRate(PrintStream out) throws IOException {
    long runNanos = Duration.ofSeconds(seconds == null ? 10 : seconds).toNanos();
    Path mastDir = fresh(dir.resolve("mast"));
    PoleReadings source = new PoleReadings();
    long n = 0;
    long written;
    long elapsed;
    StoreStats stats;
    try (RingStore store = builder(mastDir, Duration.ofMillis(syncMs)).open()) {
      long w0 = IoCounters.processWriteBytes();
      long t0 = System.nanoTime();
      CompletableFuture<Void> last = null;
      while (System.nanoTime() - t0 < runNanos) {
        for (int i = 0; i < 1024; i++) {
          last = store.append(source.next()).durable();
          n++;
        }
      }
      store.sync();
      last.join();
      elapsed = System.nanoTime() - t0;
      written = IoCounters.processWriteBytes() - w0;
      stats = store.stats();
    }
    long t = System.nanoTime();
    long recovered;
    try (RingStore again = builder(mastDir, Duration.ofMillis(syncMs)).open()) {
      recovered = again.stats().readings().records();
    }
    long recoveryNanos = System.nanoTime() - t;

    Path tapeDir = fresh(dir.resolve("tape"));
    long tapeN = 0;
    long tapeWritten;
    long tapeElapsed;
    try (QueueFile queue = new QueueFile.Builder(tapeDir.resolve("queue").toFile()).build()) {
      PoleReadings tapeSource = new PoleReadings();
      long w0 = IoCounters.processWriteBytes();
      long t0 = System.nanoTime();
      while (System.nanoTime() - t0 < runNanos) {
        queue.add(RingStore.payload(List.of(tapeSource.next())));
        tapeN++;
      }
      tapeElapsed = System.nanoTime() - t0;
      tapeWritten = IoCounters.processWriteBytes() - w0;
    }
    double mastRate = n / (elapsed / 1e9);
    double tapeRate = tapeN / (tapeElapsed / 1e9);
    out.println(String.format(Locale.ROOT,
        "mast_appends_per_s=%.0f tape_appends_per_s=%.0f ratio=%.1f flash_bytes_per_reading=%.2f record_bytes=%.2f"
            + " store_write_bytes_per_reading=%.2f tape_flash_bytes_per_reading=%.1f readings=%d tape_readings=%d seconds=%.1f syncs=%d sync_interval_ms=%d"
            + " evicted_readings=%d capacity_bytes=%d recovered_records=%d recovery_ms=%.0f",
        mastRate, tapeRate, mastRate / tapeRate, (double) written / n, (double) source.recordBytes() / n,
        (double) (stats.readings().bytesWritten() + stats.alarms().bytesWritten()) / n, (double) tapeWritten / tapeN, n, tapeN, elapsed / 1e9, stats.syncs(), syncMs,
        stats.readings().evictedTotal(), capacity, recovered, recoveryNanos / 1e6));
  }

  // ---------------------------------------------------------------- at a pole's rate

  /** One store (or Tape) appending at the rate on its own thread, with its own write counter. */
  private record RateRun(String name, long readings, long writeBytes, double recordBytes) {}

  private void runAtRate(PrintStream out) throws Exception {
    int secs = seconds == null ? 60 : seconds;
    List<CompletableFuture<RateRun>> runs = new ArrayList<>();
    for (double sync : RATE_SYNC_SECONDS) {
      String name = String.format(Locale.ROOT, "sync%.0fs", sync);
      Path storeDir = fresh(dir.resolve("mast-" + name));
      runs.add(onThread(name, () -> mastAtRate(name, storeDir, Duration.ofMillis((long) (sync * 1000)), secs)));
    }
    Path tapeDir = fresh(dir.resolve("tape"));
    runs.add(onThread("tape", () -> tapeAtRate(tapeDir, secs)));
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "rate=%s seconds=%d", rate, secs));
    for (CompletableFuture<RateRun> f : runs) {
      RateRun r = f.get();
      double perReading = (double) r.writeBytes / r.readings;
      double mbPerDay = perReading * rate * 86400 / 1e6;
      String p = r.name.equals("tape") ? "tape_" : r.name + "_";
      line.append(String.format(Locale.ROOT, " %sreadings=%d %sflash_bytes_per_reading=%.1f %sflash_mb_per_day=%.1f",
          p, r.readings, p, perReading, p, mbPerDay));
      if (!r.name.equals("tape")) {
        line.append(String.format(Locale.ROOT, " %srecord_bytes=%.1f", p, r.recordBytes));
      }
    }
    out.println(line);
  }

  private interface Body {
    RateRun run() throws Exception;
  }

  private static CompletableFuture<RateRun> onThread(String name, Body body) {
    CompletableFuture<RateRun> f = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        f.complete(body.run());
      } catch (Exception | Error e) {
        f.completeExceptionally(e);
      }
    }, "bench-" + name);
    t.start();
    return f;
  }

  /** Appends at the rate with a manual scheduler driven from this thread, so all its I/O is here. */
  private RateRun mastAtRate(String name, Path storeDir, Duration sync, int secs) throws Exception {
    ManualScheduler scheduler = new ManualScheduler();
    try (RingStore store = builder(storeDir, sync).scheduler(scheduler).open()) {
      PoleReadings source = new PoleReadings();
      long w0 = IoCounters.threadWriteBytes();
      long n = 0;
      long start = System.nanoTime();
      long total = Duration.ofSeconds(secs).toNanos();
      long moved = 0;
      while (true) {
        // Wake for the next append or the next group commit, whichever is due first, so commits
        // run at their interval as on the store's own thread.
        long appendDue = (long) (n * 1e9 / rate);
        long next = Math.min(appendDue, scheduler.nextDue().map(Duration::toNanos).orElse(Long.MAX_VALUE));
        if (next >= total) {
          break;
        }
        sleepUntil(start + next);
        scheduler.advance(Duration.ofNanos(Math.max(0, next - moved)));
        moved = Math.max(moved, next);
        if (next == appendDue) {
          store.append(source.next());
          n++;
        }
      }
      scheduler.advance(Duration.ofNanos(total - moved));
      long written = IoCounters.threadWriteBytes() - w0;
      store.sync();
      return new RateRun(name, n, written, (double) source.recordBytes() / n);
    }
  }

  private RateRun tapeAtRate(Path tapeDir, int secs) throws Exception {
    try (QueueFile queue = new QueueFile.Builder(tapeDir.resolve("queue").toFile()).build()) {
      PoleReadings source = new PoleReadings();
      long w0 = IoCounters.threadWriteBytes();
      long n = 0;
      long start = System.nanoTime();
      long total = Duration.ofSeconds(secs).toNanos();
      while (true) {
        long due = (long) (n * 1e9 / rate);
        if (due >= total) {
          break;
        }
        sleepUntil(start + due);
        queue.add(RingStore.payload(List.of(source.next())));
        n++;
      }
      return new RateRun("tape", n, IoCounters.threadWriteBytes() - w0, 0);
    }
  }

  private static void sleepUntil(long nanoTime) throws InterruptedException {
    long wait = nanoTime - System.nanoTime();
    if (wait > 0) {
      Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
    }
  }

  // ---------------------------------------------------------------- writer for the kill harness

  /** The reading the writer stores under sequence number {@code seq}: its value is the sequence. */
  static Reading writerReading(long seq) {
    return new Reading((int) (seq % 7), 1_700_000_000L + seq, seq);
  }

  private void runWriter(PrintStream out) throws Exception {
    try (RingStore store = builder(dir, Duration.ofMillis(syncMs)).open()) {
      long seq = store.stats().readings().lastSeq() + 1;
      out.println("open " + dir + " next " + seq);
      long start = System.nanoTime();
      long deadline = seconds == null ? Long.MAX_VALUE : start + Duration.ofSeconds(seconds).toNanos();
      CompletableFuture<Void> batch = null;
      long lastOfBatch = 0;
      for (long n = 0; System.nanoTime() < deadline; n++, seq++) {
        if (rate != null) {
          sleepUntil(start + (long) (n * 1e9 / rate));
        }
        RingStore.Receipt r = store.append(writerReading(seq));
        if (r.durable() != batch) {
          if (batch != null) {
            long synced = lastOfBatch;
            batch.thenRun(() -> {
              out.println("synced " + synced);
              out.flush();
            });
          }
          batch = r.durable();
        }
        lastOfBatch = r.seq();
      }
    }
  }

  // ---------------------------------------------------------------- helpers

  /**
   * At full rate the ring wraps every second or so and would log a warning per evicted segment;
   * the bench reports the evicted count instead.
   */
  private static void quietEvictionWarnings() {
    try {
      org.tinylog.configuration.Configuration.set("level@io.mast.store.SegmentRing", "error");
    } catch (UnsupportedOperationException e) {
      // logging already started; the warnings go to stderr, the figures to stdout
    }
  }

  /** Readings of the synthetic 10-second pole, one day over and over, time moving on. */
  static final class PoleReadings {
    private static final List<Reading> DAY = SyntheticPole.readings(1_700_000_000L, 86_400, 1);
    /**
     * The store record size of each reading of {@link #DAY}, priced once here rather than by
     * encoding every reading twice in the measured loop. Shifting a time by whole days keeps its
     * varint as long (until the year 3058), so the sizes hold for every day handed out.
     */
    private static final int[] RECORD_BYTES = DAY.stream().mapToInt(r -> RingStore.recordBytes(List.of(r))).toArray();
    private int i;
    private long shift;
    private long recordBytes;

    Reading next() {
      if (i == DAY.size()) {
        i = 0;
        shift += 86_400;
      }
      recordBytes += RECORD_BYTES[i];
      Reading r = DAY.get(i++);
      return new Reading(r.channel(), r.time() + shift, r.mantissa());
    }

    /** Store record bytes of every reading handed out so far. */
    long recordBytes() {
      return recordBytes;
    }
  }

  /** Empties {@code path} (a directory this bench made before) and creates it. */
  static Path fresh(Path path) throws IOException {
    if (Files.exists(path)) {
      try (Stream<Path> all = Files.walk(path)) {
        for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    return Files.createDirectories(path);
  }
}

package io.mast.devkit;

import io.mast.cli.MastCommand;
import io.mast.protocol.Reading;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;

/**
 * Kills a store writer with SIGKILL at random moments and checks after every kill that the store
 * kept what it promised. Each cycle starts {@code mast bench store --writer} as a separate JVM on
 * the same directory, reads its {@code synced SEQ} lines, kills it (destroyForcibly is SIGKILL on
 * Linux) at a uniformly random moment, and then runs
 * {@code mast store dump} on the directory and checks:
 * <ul>
 *   <li>every sequence number from 1 to the highest ever printed as synced is there, in order,
 *       with the reading the writer made for it (its value is its sequence number);
 *   <li>no corrupt record or damaged segment was found, and nothing else is returned;
 *   <li>the next writer opens the store again (a writer that exits by itself is a failure).
 * </ul>
 * The moment: one cycle in four counts up to {@code maxKillMs} from the start of the process, so
 * kills land in JVM start-up, recovery and preallocation; the others count from the writer's
 * {@code open} line, so they land among appends and commits however slow the JVM starts.
 * Torn tails are allowed and counted: a kill in the middle of a multi-page write leaves one, and
 * it only ever holds records that were never reported synced.
 */
final class KillHarness {
  /** What a run found; {@code failures} is empty when every check held. */
  record Result(int cycles, long maxSynced, long lastSeq, int killsBeforeFirstSync, int truncatedTails,
      List<String> failures) {
    String summary() {
      return "kill_cycles=" + cycles + " max_synced=" + maxSynced + " last_seq=" + lastSeq
          + " kills_without_new_sync=" + killsBeforeFirstSync + " truncated_tails=" + truncatedTails
          + " failures=" + failures.size() + (failures.isEmpty() ? "" : " first_failure=\"" + failures.get(0) + "\"");
    }
  }

  private final Path dir;
  private final int cycles;
  private final long maxKillMs;
  private final Random random;
  private final long syncMs;
  private final double rate;
  private final long capacity;
  private final int segmentBytes;

  KillHarness(Path dir, int cycles, long maxKillMs, long seed, long syncMs, double rate, long capacity, int segmentBytes) {
    this.dir = dir;
    this.cycles = cycles;
    this.maxKillMs = maxKillMs;
    this.random = new Random(seed);
    this.syncMs = syncMs;
    this.rate = rate;
    this.capacity = capacity;
    this.segmentBytes = segmentBytes;
  }

  Result run(PrintStream progress) throws IOException, InterruptedException {
    Path store = StoreBench.fresh(dir.resolve("store"));
    Path log = dir.resolve("writer-stderr.log");
    Files.deleteIfExists(log);
    List<String> failures = new ArrayList<>();
    long maxSynced = 0;
    long lastSeq = 0;
    int quiet = 0;
    int truncated = 0;
    for (int cycle = 1; cycle <= cycles && failures.isEmpty(); cycle++) {
      long killAt = (long) (random.nextDouble() * maxKillMs);
      boolean fromStart = random.nextInt(4) == 0;
      AtomicLong synced = new AtomicLong(-1);
      CountDownLatch opened = new CountDownLatch(1);
      Process p = writer(store, log).start();
      Thread reader = new Thread(() -> readSynced(p, synced, opened), "kill-harness-reader");
      reader.start();
      if (!fromStart && !opened.await(60, TimeUnit.SECONDS)) {
        failures.add("cycle " + cycle + ": the writer did not open the store within 60 s; see " + log);
        p.destroyForcibly();
        break;
      }
      if (p.waitFor(killAt, TimeUnit.MILLISECONDS)) {
        failures.add("cycle " + cycle + ": the writer exited by itself with status " + p.exitValue() + "; see " + log);
        break;
      }
      ChildJvm.kill(p);
      reader.join();
      if (synced.get() < 0) {
        quiet++;
      }
      maxSynced = Math.max(maxSynced, synced.get());
      Check check = dump(store, maxSynced);
      truncated += check.truncatedTails;
      lastSeq = Math.max(lastSeq, check.lastSeq);
      if (check.failure != null) {
        failures.add("cycle " + cycle + " (killed at " + killAt + " ms): " + check.failure);
      }
      if (cycle % 10 == 0 || !failures.isEmpty()) {
        progress.println("cycle " + cycle + ": killed at " + killAt + " ms from " + (fromStart ? "start" : "open") + ", synced up to " + maxSynced
            + ", store holds 1.." + check.lastSeq + (check.failure == null ? "" : ": " + check.failure));
      }
    }
    return new Result(cycles, maxSynced, lastSeq, quiet, truncated, failures);
  }

  private ProcessBuilder writer(Path store, Path log) {
    return ChildJvm.mast(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx64m"),
        List.of("bench", "store", "--writer", "--dir", store.toString(),
            "--sync-interval-ms", Long.toString(syncMs), "--rate", Double.toString(rate),
            "--capacity-bytes", Long.toString(capacity), "--segment-bytes", Integer.toString(segmentBytes)))
        .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
  }

  private static void readSynced(Process p, AtomicLong synced, CountDownLatch opened) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        if (line.startsWith("open ")) {
          opened.countDown();
        } else if (line.startsWith("synced ")) {
          synced.accumulateAndGet(Long.parseLong(line.substring(7).trim()), Math::max);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not the kill (ChildJvm.kill leaves the pipe open to its end): the count read so far stands
    } finally {
      opened.countDown();
    }
  }

  private record Check(long lastSeq, int truncatedTails, String failure) {}

  /** Runs {@code mast store dump} in this process and checks each line as it comes. */
  private Check dump(Path store, long maxSynced) {
    if (!Files.exists(store.resolve("readings"))) {
      return new Check(0, 0, maxSynced > 0 ? "the store directory is gone" : null);
    }
    LineCheck lines = new LineCheck();
    StringWriter err = new StringWriter();
    CommandLine cl = MastCommand.commandLine("store");
    cl.setOut(new PrintWriter(lines, true));
    cl.setErr(new PrintWriter(err, true));
    int status = cl.execute("store", "dump", "--dir", store.toString());
    lines.flushLine();
    String summary = err.toString().trim();
    if (status != 0) {
      return new Check(lines.last, 0, "mast store dump exited " + status + ": " + summary);
    }
    int truncated = Integer.parseInt(field(summary, "truncated_tails"));
    String failure = lines.failure;
    if (failure == null && !field(summary, "corrupt_records").equals("0")) {
      failure = "dump found corrupt records: " + summary;
    }
    if (failure == null && !field(summary, "damaged_segments").equals("0")) {
      failure = "dump found damaged segments: " + summary;
    }
    if (failure == null && lines.last < maxSynced) {
      failure = "synced sequence " + maxSynced + " is missing: the store ends at " + lines.last;
    }
    return new Check(lines.last, truncated, failure);
  }

  private static String field(String summary, String key) {
    for (String kv : summary.split(" ")) {
      if (kv.startsWith(key + "=")) {
        return kv.substring(key.length() + 1);
      }
    }
    return "?";
  }

  /** Checks dump lines {@code seq,time,channel,value} as they are written: 1, 2, 3... each the writer's reading. */
  private static final class LineCheck extends Writer {
    private final StringBuilder line = new StringBuilder();
    private boolean header = true;
    long last;
    String failure;

    @Override
    public void write(char[] buf, int off, int len) {
      for (int i = off; i < off + len; i++) {
        if (buf[i] == '\n') {
          flushLine();
        } else {
          line.append(buf[i]);
        }
      }
    }

    void flushLine() {
      if (line.length() == 0) {
        return;
      }
      String l = line.toString();
      line.setLength(0);
      if (header) {
        header = false;
        return;
      }
      if (failure != null) {
        return;
      }
      long seq = last + 1;
      Reading r = StoreBench.writerReading(seq);
      String expected = seq + "," + Instant.ofEpochSecond(r.time()) + "," + r.channel() + "," + r.mantissa();
      if (!l.equals(expected)) {
        failure = "dump line '" + l + "' where '" + expected + "' belongs";
        return;
      }
      last = seq;
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }
}

package io.mast.runtime.replay;

import io.mast.protocol.ChannelProfile;
import io.mast.protocol.Reading;
import io.mast.protocol.ReadingsCsv;
import io.mast.runtime.sampling.Ingest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.tinylog.Logger;

/**
 * Feeds a readings CSV ({@code time,channel,value}) into the store instead of sampled values,
 * at a speed factor over real time or as fast as the pipeline goes. Rows with the same time
 * are stored together, as one sample. A malformed row is counted and skipped, and the first
 * problem is kept for the summary.
 *
 * <p><b>Resuming.</b> Started on a store that already holds readings (after a {@code kill -9}, a
 * power cut, or an earlier run), it skips the rows up to and including the newest reading in the
 * store and goes on from there. Readings that were lost with the last group commit were not in
 * the store, so they are fed again: nothing is lost, nothing is stored twice.
 */
public final class ReplayFeed {
  /** How a replay went. */
  public record Result(long fed, long resumedPast, long malformed, String firstProblem, boolean exhausted) {}

  /** Sleeps; replaced in tests. */
  public interface Sleeper {
    void sleepNanos(long nanos) throws InterruptedException;
  }

  private final Path csv;
  private final ChannelProfile profile;
  private final Ingest ingest;
  private final double speed;
  private final Sleeper sleeper;
  private final LongSupplier nanoTime;
  private volatile long fed;
  private volatile long dataTime = -1;
  private volatile boolean stopped;

  /** {@code speed} 0 means as fast as possible; otherwise data seconds per real second. */
  public ReplayFeed(Path csv, ChannelProfile profile, Ingest ingest, double speed, Sleeper sleeper) {
    this(csv, profile, ingest, speed, sleeper, System::nanoTime);
  }

  /** As above, pacing on {@code nanoTime} (which {@code sleeper} must move, in tests). */
  public ReplayFeed(Path csv, ChannelProfile profile, Ingest ingest, double speed, Sleeper sleeper, LongSupplier nanoTime) {
    this.csv = csv;
    this.profile = profile;
    this.ingest = ingest;
    this.speed = speed;
    this.sleeper = sleeper;
    this.nanoTime = nanoTime;
  }

  /**
   * Makes {@link #play} return soon, between two samples. Never interrupt the playing thread
   * instead: an interrupt during a store write closes the store's file channel.
   */
  public void stop() {
    stopped = true;
  }

  /** Readings fed so far. */
  public long fed() {
    return fed;
  }

  /** Time of the latest reading fed, Unix seconds; -1 before the first. */
  public long dataTime() {
    return dataTime;
  }

  /**
   * Plays the file from after {@code resumeAfter} (null: from the start) until its end or until
   * {@code maxDataSeconds} after its first row (negative: no limit).
   */
  public Result play(Reading resumeAfter, long maxDataSeconds) throws IOException, InterruptedException {
    long malformed = 0;
    long resumedPast = 0;
    String firstProblem = null;
    boolean resuming = resumeAfter != null;
    long firstTime = -1;
    long paceFrom = -1;
    long startNanos = nanoTime.getAsLong();
    List<Reading> batch = new ArrayList<>();
    try (ReadingsCsv.Rows rows = ReadingsCsv.open(csv, ReadingsCsv.READINGS_HEADER)) {
      while (!stopped) {
        Reading r;
        try {
          ReadingsCsv.Row row = rows.next();
          if (row == null) {
            break;
          }
          r = ReadingsCsv.reading(row, profile);
        } catch (ReadingsCsv.MalformedRowException e) {
          malformed++;
          if (firstProblem == null) {
            firstProblem = e.getMessage();
            Logger.warn("replay: {} (further malformed rows are only counted)", firstProblem);
          }
          continue;
        }
        if (firstTime < 0) {
          firstTime = r.time();
        }
        if (maxDataSeconds >= 0 && r.time() - firstTime >= maxDataSeconds) {
          flush(batch);
          return new Result(fed, resumedPast, malformed, firstProblem, false);
        }
        if (resuming) {
          if (r.time() < resumeAfter.time() || (r.time() == resumeAfter.time() && r.channel() != resumeAfter.channel())) {
            resumedPast++;
            continue;
          }
          resuming = false;
          if (r.time() == resumeAfter.time()) {
            resumedPast++;
            continue;
          }
        }
        if (!batch.isEmpty() && batch.get(0).time() != r.time()) {
          flush(batch);
        }
        if (paceFrom < 0) {
          paceFrom = r.time();
        }
        if (batch.isEmpty() && speed > 0) {
          long due = startNanos + (long) ((r.time() - paceFrom) * 1e9 / speed);
          for (long wait = due - nanoTime.getAsLong(); wait > 0 && !stopped; wait = due - nanoTime.getAsLong()) {
            sleeper.sleepNanos(Math.min(wait, 100_000_000L));
          }
        }
        batch.add(r);
      }
      flush(batch);
    }
    return new Result(fed, resumedPast, malformed, firstProblem, !stopped);
  }

  private void flush(List<Reading> batch) throws IOException {
    if (!batch.isEmpty()) {
      ingest.accept(batch);
      fed += batch.size();
      dataTime = batch.get(0).time();
      batch.clear();
    }
  }
}

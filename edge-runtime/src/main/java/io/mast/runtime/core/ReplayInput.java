package io.mast.runtime.core;

import io.mast.protocol.ChannelProfile;
import io.mast.protocol.Reading;
import io.mast.runtime.replay.ReplayFeed;
import io.mast.runtime.sampling.Ingest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.tinylog.Logger;

/**
 * The input of a run that replays a readings CSV instead of sampling: a thread of its own
 * ({@code mast-replay}) feeds the file into {@link Ingest} at the speed asked, resuming after the
 * last reading the store already holds, and says when it has played out. Closing stops it
 * (joined, at most 5 s).
 */
final class ReplayInput implements AutoCloseable {
  private final ReplayFeed feed;
  private final Ingest ingest;
  private final long durationS;
  private final BooleanSupplier closed;
  private final Runnable ended;
  private volatile Thread thread;

  ReplayInput(Path csv, ChannelProfile profile, Ingest ingest, double speed, long durationS, BooleanSupplier closed, Runnable ended) {
    this.feed = new ReplayFeed(csv, profile, ingest, speed, TimeUnit.NANOSECONDS::sleep);
    this.ingest = ingest;
    this.durationS = durationS;
    this.closed = closed;
    this.ended = ended;
  }

  void start() throws IOException {
    Reading resume = ingest.lastStored();
    if (resume != null) {
      Logger.info("replay: the store already holds readings up to {}; resuming after it", resume);
    }
    Thread t = new Thread(() -> {
      try {
        ReplayFeed.Result result = feed.play(resume, durationS);
        if (!result.exhausted() && closed.getAsBoolean()) {
          return;
        }
        Logger.info("replay: {} readings fed, {} already stored, {} malformed rows skipped{}", result.fed(),
            result.resumedPast(), result.malformed(), result.firstProblem() == null ? "" : " (first: " + result.firstProblem() + ")");
      } catch (IOException e) {
        Logger.error("replay stopped: {}", e.getMessage());
      } catch (InterruptedException e) {
        return;
      }
      ended.run();
    }, "mast-replay");
    t.setDaemon(true);
    thread = t;
    t.start();
  }

  @Override
  public void close() {
    Thread t = thread;
    if (t != null) {
      feed.stop();
      try {
        t.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}

package io.mast.runtime.core;

import io.mast.runtime.sampling.Ingest;
import io.mast.runtime.sampling.Sampler;
import io.mast.runtime.uplink.Link;
import io.mast.runtime.uplink.Uplink;
import io.mast.store.RingStore;
import java.io.IOException;
import java.time.Duration;
import java.util.function.Supplier;
import org.tinylog.Logger;

/**
 * The three moments a frame is cut: the batch window closing (on the timer), the input ending
 * (a replay played out, a {@code --duration} passed: sampling stops first), and shutdown (the
 * open window's frame sent while the link is up, waiting at most {@link PoleCore#DRAIN_WAIT} for
 * its acknowledgement; what is not acknowledged stays in the store for the next start).
 */
final class Cuts {
  private final Ingest ingest;
  private final RingStore store;
  private final Uplink uplink;
  private final Supplier<Sampler> sampler;
  private final Progress progress;

  /** {@code sampler} gives the sampler in force, or null (a replay, or not started yet). */
  Cuts(Ingest ingest, RingStore store, Uplink uplink, Supplier<Sampler> sampler, Progress progress) {
    this.ingest = ingest;
    this.store = store;
    this.uplink = uplink;
    this.sampler = sampler;
    this.progress = progress;
  }

  /** The batch window closed. */
  void window() {
    try {
      ingest.cut();
    } catch (IOException e) {
      Logger.error("runtime: writing the batch window's frame cut failed: {}", e.getMessage());
    }
  }

  /** The input has ended: close the last frame, make it durable, let the uplink send it. */
  void endOfInput() {
    try {
      Sampler s = sampler.get();
      if (s != null) {
        s.close();
      }
      ingest.cut();
      store.sync();
    } catch (IOException e) {
      Logger.error("runtime: closing the last frame failed: {}", e.getMessage());
    }
    uplink.wake();
    progress.inputEnded();
  }

  /** Shutdown: the open window's frame cut, made durable, and sent while the link is up (bounded by {@code drainWait}). */
  void lastFrame(Duration drainWait) {
    try {
      ingest.cut();
      store.sync();
      uplink.wake();
      if (uplink.stats().state() == Link.State.CONNECTED
          && !progress.await(() -> progress.allAcknowledged() || uplink.stats().state() != Link.State.CONNECTED, drainWait)) {
        Logger.info("runtime: stopping with frames still unacknowledged after {} s; they stay in the store", drainWait.toSeconds());
      }
    } catch (IOException | RuntimeException e) {
      Logger.warn("runtime: no frame cut at shutdown: {}", e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

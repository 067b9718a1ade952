package io.mast.runtime.ota;

import io.mast.ota.Download;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.OtaManifestMessage;
import io.mast.protocol.OtaMessages;
import io.mast.protocol.Topics;
import io.mast.runtime.health.ControlGate;
import io.mast.runtime.uplink.Link;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.tinylog.Logger;

/**
 * The download phase: the chunks the pole lacks asked for on {@code oc} with a window of
 * {@value OtaAgent#WINDOW} in flight, taken from {@code od}. The {@link Download} seeds itself
 * from the running slot's files, so only changed chunks travel, checks every chunk on arrival,
 * survives link drops (chunks in flight are asked again after {@link OtaAgent#RESEND} without
 * progress), bursts that overflow the agent's queue (a dropped chunk is asked again once
 * {@link OtaAgent#DROP_RECHECK} passed without one, backing off to {@code RESEND} while the drops
 * go on) and restarts (the bitmap). It waits while telemetry is held or the daily budget is
 * spent ({@link Link#bulkAllowed}). Once every chunk is here the staging phase takes over.
 *
 * <p>An offer to a group is downloaded listening on the group's {@code od} as well, from just
 * before the first request until the last chunk: the publisher sends a chunk that many poles of
 * the group ask for once, there, and only a pole that missed it is served on its own topic. A
 * chunk from the group's topic that the pole has already is dropped without counting as progress.
 */
final class BundleFetch {
  /** What takes a complete download: the staging phase. */
  interface Complete {
    void downloaded(Download d) throws IOException;
  }

  private final OtaPlace place;
  private final Complete complete;
  /** Subscribes the agent's chunk handler to a topic (the group's {@code od}). */
  private final java.util.function.Function<String, Link.Subscription> listen;
  /** The group's {@code od} while a group offer downloads, else null. */
  private Link.Subscription fanOut;
  private final Set<Integer> inFlight = new HashSet<>();
  private volatile Download download;
  /** System.nanoTime() of the last chunk request or arrival. */
  private long progressAt;
  /** Chunks here when DOWNLOADING was last reported; -1 before the first report of a download. */
  private int reportedDone = -1;
  /** The download waits for telemetry or the budget; a look again is scheduled. */
  private volatile boolean paused;
  private boolean recheckPending;
  /** A look at the window after a dropped chunk is scheduled. */
  private final AtomicBoolean dropCheckPending = new AtomicBoolean();
  /** How long without a chunk, after a drop, before the window is asked again; doubles while that brings nothing. */
  private volatile long dropWaitNanos = OtaAgent.DROP_RECHECK.toNanos();

  BundleFetch(OtaPlace place, Complete complete, java.util.function.Function<String, Link.Subscription> listen) {
    this.place = place;
    this.complete = complete;
    this.listen = listen;
  }

  /** The bundle being downloaded, or null. */
  byte[] bundle() {
    Download d = download;
    return d == null ? null : d.manifest().bundleSha256();
  }

  /**
   * Starts the download of a manifest taken (the same bundle's chunks from before a restart are
   * kept), listening on {@code fanOutTopic} too while it runs (a group's {@code od}; null: none).
   */
  void begin(OtaManifestMessage m, String fanOutTopic) {
    try {
      stopListening();
      if (download != null) {
        download.close();
      }
      download = Download.open(place.dir().resolve("download"), m, place.files());
      inFlight.clear();
      reportedDone = -1;
      int seeded = place.slotRoot() == null ? 0 : download.seedFrom(place.slotRoot().resolve("slots").resolve(place.running()));
      Logger.info("ota: {} offered ({} chunks, {} bytes); {} chunks already on this pole, {} bytes to fetch", m.version(),
          m.chunks().size(), m.totalSize(), seeded, download.missingBytes());
      report(OtaMessages.State.OFFERED, "");
      if (download.missing() == 0) {
        complete.downloaded(download); // everything was here: a power cut after the download, while staging or switching
      } else {
        if (fanOutTopic != null) {
          fanOut = listen.apply(fanOutTopic); // made on the connection before the request below goes out (the uplink's turn order)
        }
        askMore();
      }
    } catch (IOException e) {
      Logger.error("ota: starting the download of {} failed: {}", m.version(), e.getMessage());
      place.reports().send(new OtaMessages.Status(m.version(), OtaMessages.State.REFUSED, 0, m.chunks().size(),
          "the pole could not start the download: " + e.getMessage()));
      download = null;
    }
  }

  /** A message on {@code od}. */
  void chunk(byte[] payload) {
    Link link = place.link();
    link.spendBulk(payload.length + link.topic(Topics.Kind.OTA_CHUNK_DATA).length() + 7L); // the PUBLISH's header and PUBACK too
    OtaMessages.ChunkData d;
    try {
      d = OtaMessages.ChunkData.parse(payload);
    } catch (FrameFormatException e) {
      place.pole().gate().refused(ControlGate.Topic.OTA_CHUNK, e.getMessage(), "ota: dropped a chunk message: " + e.getMessage(), false);
      return;
    }
    if (download == null || !Arrays.equals(d.bundleSha256(), download.manifest().bundleSha256())) {
      Logger.debug("ota: a chunk of a bundle not being downloaded, dropped");
      return;
    }
    try {
      if (download.missing() == 0) {
        return; // complete already: a duplicate of a chunk asked twice, which must not stage the bundle again
      }
      int missingBefore = download.missing();
      String refused = download.accept(d.index(), d.data());
      inFlight.remove(d.index());
      if (refused != null) {
        place.pole().gate().refused(ControlGate.Topic.OTA_CHUNK, refused, "ota: " + refused + " (" + download.refused()
            + " refused so far); asking for it again", false);
      } else if (download.missing() < missingBefore) {
        progressAt = System.nanoTime();
        dropWaitNanos = OtaAgent.DROP_RECHECK.toNanos();
      } else {
        return; // one it has (a group's chunk, or one asked twice): nothing new to ask for
      }
      if (download.missing() == 0) {
        stopListening();
        complete.downloaded(download);
      } else {
        askMore();
      }
    } catch (IOException e) {
      Logger.error("ota: writing a chunk failed: {}; the download stops until the next offer", e.getMessage());
    }
  }

  private void askMore() {
    Link link = place.link();
    if (download == null || link.state() != Link.State.CONNECTED) {
      return;
    }
    if (!link.bulkAllowed()) {
      // telemetry and alarms first, and the daily budget holds: look again in a while
      if (!paused) {
        paused = true;
        Logger.info("ota: the download of {} waits: telemetry is being sent or the daily byte budget is spent",
            download.manifest().version());
      }
      if (!recheckPending) {
        recheckPending = true;
        place.timer().schedule(OtaAgent.BULK_RECHECK, () -> place.hand().accept(() -> {
          recheckPending = false;
          askMore();
        }));
      }
      return;
    }
    if (paused) {
      paused = false;
      Logger.info("ota: the download of {} goes on", download.manifest().version());
    }
    List<Integer> next = download.next(OtaAgent.WINDOW - inFlight.size(), inFlight);
    if (next.isEmpty()) {
      return;
    }
    inFlight.addAll(next);
    progressAt = System.nanoTime();
    Download asked = download;
    link.publish(Topics.Kind.OTA_CHUNK_REQUEST, new OtaMessages.ChunkRequest(download.manifest().bundleSha256(), next).toBytes(), false)
        .whenComplete((ok, failure) -> {
          if (failure != null) {
            // the request never reached the broker (a lost connection): asked again now, or at the next connect
            place.hand().accept(() -> {
              if (download == asked) {
                next.forEach(inFlight::remove);
                askMore();
              }
            });
          }
        });
    int done = download.manifest().chunks().size() - download.missing();
    if (reportedDone < 0 || done - reportedDone >= OtaAgent.PROGRESS_EVERY) {
      reportedDone = done;
      report(OtaMessages.State.DOWNLOADING, "");
    }
  }

  /**
   * Any thread: a message on {@code od} was dropped because the agent's queue was full (a burst:
   * duplicates, another pole's chunks, a flood). Which chunk it held is not known, so the window
   * is looked at once the burst is over rather than after {@link OtaAgent#RESEND}.
   */
  void dropped() {
    if (download != null && dropCheckPending.compareAndSet(false, true)) {
      place.timer().schedule(java.time.Duration.ofNanos(dropWaitNanos), () -> {
        dropCheckPending.set(false); // before the hand: a hand dropped by a full queue leaves the next drop free to schedule
        place.hand().accept(this::afterDrop);
      });
    }
  }

  /** The window after a drop: asked again when no chunk came for the wait, else looked at again. */
  private void afterDrop() {
    if (download == null || inFlight.isEmpty() || paused) {
      return;
    }
    long wait = dropWaitNanos;
    if (System.nanoTime() - progressAt >= wait) {
      dropWaitNanos = Math.min(wait * 2, OtaAgent.RESEND.toNanos()); // a flood: the re-asks slow down to the resend's pace
      askAgain();
    } else {
      dropped(); // chunks of the window still arriving
    }
  }

  /** After a reconnect, or a while without progress: the chunks in flight are asked for again. */
  void askAgain() {
    if (download != null && download.missing() > 0) {
      inFlight.clear();
      askMore();
    }
  }

  /**
   * Every {@link OtaAgent#RESEND}: asked again only after that long without a chunk since the last
   * request or arrival (a slow link still delivering the window is not asked twice), or asked at
   * all when nothing was (the link was down when it would have been); the bitmap checkpointed.
   */
  void resendTick() {
    if (!inFlight.isEmpty() && System.nanoTime() - progressAt >= OtaAgent.RESEND.toNanos()) {
      askAgain();
    } else if (inFlight.isEmpty() && download != null && download.missing() > 0 && !paused) {
      askMore();
    }
    try {
      if (download != null) {
        download.checkpoint();
      }
    } catch (IOException e) {
      Logger.warn("ota: checkpoint of the download failed: {}", e.getMessage());
    }
  }

  /** Reports {@code state} of the download in hand (or of none). */
  void report(OtaMessages.State state, String detail) {
    place.reports().send(status(download, state, detail));
  }

  /** A report of {@code state} with the counts of {@code d} (none when null). */
  static OtaMessages.Status status(Download d, OtaMessages.State state, String detail) {
    OtaManifestMessage m = d == null ? null : d.manifest();
    int total = m == null ? 0 : m.chunks().size();
    return new OtaMessages.Status(m == null ? "" : m.version(), state, total - (d == null ? 0 : d.missing()), total, detail);
  }

  /** The console's line on the download. Any thread. */
  String describe() {
    Download d = download;
    if (d == null) {
      return "download  none";
    }
    int total = d.manifest().chunks().size();
    return "download  " + d.manifest().version() + ": " + (total - d.missing()) + " of " + total + " chunks, " + d.missingBytes()
        + " bytes to go, " + d.refused() + " refused" + (paused && d.missing() > 0 ? "; waits for telemetry or the byte budget" : "");
  }

  private void stopListening() {
    if (fanOut != null) {
      fanOut.close();
      fanOut = null;
    }
  }

  /** The bitmap checkpointed and the files closed. */
  void close() throws IOException {
    stopListening();
    if (download != null) {
      download.checkpoint();
      download.close();
    }
  }
}

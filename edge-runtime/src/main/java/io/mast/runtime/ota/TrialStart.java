package io.mast.runtime.ota;

import io.mast.drivers.SensorDriver;
import io.mast.ota.BootState;
import io.mast.protocol.OtaMessages;
import io.mast.runtime.sampling.LiveSensors;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.tinylog.Logger;

/**
 * The trial phase, at start with a slot layout: a trial start proves itself healthy and commits,
 * or asks for the restart the launcher counts; a rollback the launcher made is reported (once its
 * report reached the broker, it is cleared from the boot pointer) and its bundle is never taken
 * again; a power cut between the steps of staging, switching or committing is finished or undone.
 */
final class TrialStart {
  private final OtaPlace place;
  private final OfferCheck offers;
  /** Drivers whose sample at the trial's start has not come back yet (a hung driver stays here). */
  private final Set<String> unanswered = ConcurrentHashMap.newKeySet();
  private volatile boolean trial;
  private volatile long deadlineMillis;
  private volatile CompletableFuture<Void> statusAcked;

  TrialStart(OtaPlace place, OfferCheck offers) {
    this.place = place;
    this.offers = offers;
  }

  /** Whether this start is on trial and not yet committed or given up. */
  boolean onTrial() {
    return trial;
  }

  /** What the last start left (a trial, a rollback, a cut switch), settled before any offer is looked at. */
  void settle(Duration deadline) {
    if (place.slotRoot() == null) {
      return;
    }
    OtaFloor floor = place.floor();
    try {
      BootState boot = BootState.read(place.files(), place.slotRoot());
      String slot = place.running();
      if (boot.trial().equals(slot)) {
        trial = true;
        deadlineMillis = place.clock().millis() + deadline.toMillis();
        sampleEveryDriver();
        Logger.info("ota: slot {} ({}) is on trial, start {}; it commits once healthy, within {} s", slot, floor.installedVersion,
            boot.tries(), deadline.toSeconds());
        proveHealth();
      } else if (floor.staged && boot.last().equals(committedMark())) {
        Logger.warn("ota: the power went between the commit of {} and raising the counter floor; finishing the commit",
            floor.installedVersion);
        committed();
      } else if (boot.last().startsWith("rolled_back:")) {
        String why = boot.last().substring("rolled_back:".length());
        floor.installedRolledBack();
        offers.reportedRollback(floor.installedBundle);
        floor.staged = false;
        floor.save();
        Logger.warn("ota: the launcher rolled {} back: {}", floor.installedVersion, why);
        place.reports().send(new OtaMessages.Status(floor.installedVersion, OtaMessages.State.ROLLED_BACK, 0, 0, "slot " + why))
            .thenRun(() -> place.hand().accept(() -> clearLast(boot)));
      } else if (floor.staged && boot.trial().isEmpty()) {
        // staged, but the boot pointer never got the trial: the power went while staging or switching
        Logger.warn("ota: {} was staged but the switch to it did not happen (a power cut); it is staged again when offered",
            floor.installedVersion);
        floor.forgetInstalled();
        floor.save();
      }
    } catch (IOException e) {
      Logger.error("ota: reading the boot pointer under {} failed: {}", place.slotRoot(), e.getMessage());
    }
  }

  private void clearLast(BootState seen) {
    try {
      BootState now = BootState.read(place.files(), place.slotRoot());
      if (now.equals(seen)) {
        new BootState(now.active(), now.trial(), now.tries(), "").write(place.files(), place.slotRoot());
      }
    } catch (IOException e) {
      Logger.warn("ota: clearing the reported outcome failed: {}", e.getMessage());
    }
  }

  /**
   * The health rule of a trial start, checked every second until it holds or the deadline passes:
   * the broker reached and this start's {@code os} report acknowledged by it (PUBACK), every
   * driver sampled once at the trial's start (a sample or an error both count: the new version's
   * sampling works; a driver that hangs does not), and the store took readings.
   * A link that is up at any moment of the deadline is enough; a trial with no link at all fails
   * and is rolled back once, and that bundle is never taken again, so a dead link cannot loop.
   */
  private void proveHealth() {
    if (!trial) {
      return;
    }
    String version = place.floor().installedVersion;
    if (statusAcked == null || statusAcked.isCompletedExceptionally()) {
      statusAcked = place.reports().send(new OtaMessages.Status(version, OtaMessages.State.INSTALLED, 0, 0,
          "slot " + place.running() + " on trial: proving its health"));
    }
    List<String> missing = healthMissing();
    if (missing.isEmpty()) {
      commit();
      return;
    }
    if (place.clock().millis() >= deadlineMillis) {
      String why = "not healthy within the trial's deadline: " + String.join(", ", missing);
      Logger.error("ota: {} {}; stopping, so the launcher counts this start", version, why);
      trial = false;
      place.pole().requestRestart("update trial failed: " + why);
      return;
    }
    place.timer().schedule(Duration.ofSeconds(1), () -> place.hand().accept(this::proveHealth));
  }

  /** Samples every driver once now (shown to nobody, not stored), so slow channels need not wait for their tick. */
  private void sampleEveryDriver() {
    LiveSensors sensors = place.pole().sensors();
    if (sensors == null) {
      return;
    }
    for (SensorDriver d : sensors.drivers()) {
      unanswered.add(d.name());
      place.pole().sampler().sampleNow(d).whenComplete((sample, failure) -> unanswered.remove(d.name()));
    }
  }

  /** What the health rule still lacks, empty when it holds. */
  List<String> healthMissing() {
    List<String> out = new ArrayList<>();
    if (statusAcked == null || !statusAcked.isDone() || statusAcked.isCompletedExceptionally()) {
      out.add("no report acknowledged by the broker yet");
    }
    if (!unanswered.isEmpty()) {
      out.add("sensors that neither sampled nor reported an error: " + String.join(", ", unanswered));
    }
    try {
      if (place.pole().snapshot().stored() == 0) {
        out.add("no reading stored yet");
      }
    } catch (IOException e) {
      out.add("the store does not answer: " + e.getMessage());
    }
    return out;
  }

  /** The seconds left to prove health. */
  long secondsLeft() {
    return Math.max(0, (deadlineMillis - place.clock().millis()) / 1000);
  }

  /** Stops proving: the agent closes. */
  void stop() {
    trial = false;
  }

  private void commit() {
    String slot = place.running();
    try {
      new BootState(slot, "", 0, committedMark()).write(place.files(), place.slotRoot());
    } catch (IOException e) {
      Logger.error("ota: committing slot {} failed ({}); the launcher will count this start", slot, e.getMessage());
      return;
    }
    committed();
  }

  /** What the boot pointer's {@code last} says once this slot's bundle is committed. */
  private String committedMark() {
    return "committed:" + place.running() + ":" + place.floor().installedVersion;
  }

  /** After the boot pointer's commit: the floor raised, the staging done, {@code COMMITTED} reported. */
  private void committed() {
    OtaFloor floor = place.floor();
    String slot = place.running();
    trial = false;
    floor.staged = false;
    if (Long.compareUnsigned(floor.installedCounter, floor.counterFloor) > 0) {
      floor.counterFloor = floor.installedCounter;
    }
    if (!floor.save()) {
      Logger.error("ota: {} is committed but the counter floor is not written; the next start finishes the commit",
          floor.installedVersion);
      return;
    }
    Logger.info("ota: {} in slot {} proved healthy and is committed; the security counter floor is {}", floor.installedVersion, slot,
        Long.toUnsignedString(floor.counterFloor));
    place.reports().send(new OtaMessages.Status(floor.installedVersion, OtaMessages.State.COMMITTED, 0, 0, "slot " + slot));
  }
}

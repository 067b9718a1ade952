package io.mast.runtime.sampling;

import io.mast.protocol.Reading;
import io.mast.runtime.alarm.AlarmRules;
import io.mast.store.AlarmEvent;
import io.mast.store.RingStore;
import io.mast.store.StoredRecord;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where readings enter the store, from the sampler or a replay: appended as records of at most
 * {@code maxReadingsPerRecord} readings (so that a record always fits in one frame), checked
 * against the alarm rules, and announced to the uplink once durable. Also writes the frame cuts
 * that close a batch window ({@link #cut()}).
 *
 * <p>Thread safe: appends from several sensor threads are serialised here, so records and alarm
 * evaluation see readings in one order.
 */
public final class Ingest {
  private final RingStore store;
  private AlarmRules rules;
  private final int maxReadingsPerRecord;
  private final Runnable onDurable;
  private CompletableFuture<Void> watched;
  private final Reading lastStored;
  private boolean readingsSinceCut;
  private volatile long readings;
  private volatile long records;
  private volatile long alarms;
  private volatile long cuts;

  /**
   * @param onDurable called (on the store's commit thread; must not block) when appended records
   *     have become durable
   */
  public Ingest(RingStore store, AlarmRules rules, int maxReadingsPerRecord, Runnable onDurable) throws IOException {
    this.store = store;
    this.rules = rules;
    this.maxReadingsPerRecord = maxReadingsPerRecord;
    this.onDurable = onDurable;
    // the last two records: the newest may be a cut, and cuts never follow each other
    long last = store.stats().readings().lastSeq();
    List<StoredRecord> tail = last > 0 ? store.read(Math.max(1, last - 1), 2) : List.of();
    this.readingsSinceCut = !tail.isEmpty() && !tail.get(tail.size() - 1).isCut();
    Reading newest = null;
    for (StoredRecord r : tail) {
      if (!r.isCut()) {
        newest = r.readings().get(r.readings().size() - 1);
      }
    }
    this.lastStored = newest;
  }

  /** The newest reading the store held when this opened, or null: where a replay resumes. */
  public Reading lastStored() {
    return lastStored;
  }

  /** Readings per record for frames of {@code maxFrameBytes}: small enough that one record always fits a frame. */
  public static int recordLimit(int maxFrameBytes) {
    return Math.max(1, Math.min(64, maxFrameBytes / 32));
  }

  /** Stores readings taken together (one sample), then evaluates the alarm rules on them. */
  public synchronized void accept(List<Reading> batch) throws IOException {
    if (batch.isEmpty()) {
      return;
    }
    for (int from = 0; from < batch.size(); from += maxReadingsPerRecord) {
      RingStore.Receipt receipt = store.append(batch.subList(from, Math.min(batch.size(), from + maxReadingsPerRecord)));
      watch(receipt.durable());
      records++;
    }
    readings += batch.size();
    readingsSinceCut = true;
    for (Reading r : batch) {
      for (AlarmEvent e : rules.evaluate(r)) {
        watch(store.appendAlarm(e).durable());
        alarms++;
      }
    }
  }

  /** Where a new channel profile starts: the numbers the next readings record and alarm record will get. */
  public interface ProfileStart {
    void at(long firstRecord, long firstAlarm) throws IOException;
  }

  /** The alarm rules from now on: the next reading is evaluated by these alone (their hold timers start afresh). */
  public synchronized void rules(AlarmRules next) {
    rules = next;
  }

  /**
   * Closes the frame with a cut and runs {@code start} with where the next records begin, then
   * takes {@code next} as the alarm rules, all under this monitor, so no record slips in between:
   * every record after the cut is under the new profile.
   */
  public synchronized void newProfile(ProfileStart start, AlarmRules next) throws IOException {
    cut();
    var s = store.stats();
    start.at(s.readings().lastSeq() + 1, s.alarms().lastSeq() + 1);
    rules = next;
  }

  /** Closes the current frame with a stored cut, if readings came since the last one. */
  public synchronized void cut() throws IOException {
    if (readingsSinceCut) {
      watch(store.appendCut().durable());
      readingsSinceCut = false;
      cuts++;
    }
  }

  private void watch(CompletableFuture<Void> durable) {
    if (durable != watched) {
      watched = durable;
      durable.whenComplete((v, e) -> onDurable.run());
    }
  }

  public long readings() {
    return readings;
  }

  public long records() {
    return records;
  }

  public long alarms() {
    return alarms;
  }

  public long cuts() {
    return cuts;
  }
}

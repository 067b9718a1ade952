package io.mast.drivers;

import io.mast.drivers.internal.PulseJournal;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A pulse meter's total as kept on flash (see {@link PulseMeter}), for tools and technicians:
 * read it, or set it to the meter's mechanical register. Each call takes the journal's lock for
 * its duration, so it is refused while the runtime holds the meter.
 */
public final class PulseTotals {
  private PulseTotals() {}

  /** The newest checkpoint of a journal: total pulses, its number, and whether it was set by hand. */
  public record Checkpoint(long total, long seq, boolean setByHand) {}

  /** The newest checkpoint in {@code journalFile} (created empty when missing). */
  public static Checkpoint read(Path journalFile) throws IOException {
    try (PulseJournal journal = PulseJournal.open(journalFile)) {
      return new Checkpoint(journal.total(), journal.seq(), journal.setByHand());
    }
  }

  /**
   * Sets the total to {@code pulses}, marked as set by hand, forced to flash before this returns.
   *
   * @return the checkpoint before the change
   * @throws IllegalArgumentException if {@code pulses} is negative
   */
  public static Checkpoint set(Path journalFile, long pulses) throws IOException {
    try (PulseJournal journal = PulseJournal.open(journalFile)) {
      Checkpoint before = new Checkpoint(journal.total(), journal.seq(), journal.setByHand());
      journal.checkpoint(pulses, true);
      return before;
    }
  }
}

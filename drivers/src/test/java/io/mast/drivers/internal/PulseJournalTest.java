package io.mast.drivers.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.seams.DurableFiles;
import io.mast.seams.FaultyFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pulse meter's journal through the fault-injecting file layer: power cuts inside a checkpoint and inside its creation. */
class PulseJournalTest {
  @TempDir
  Path dir;

  private long totalAfterReboot(Path file) throws IOException {
    try (PulseJournal journal = PulseJournal.open(DurableFiles.real(), file)) {
      return journal.total();
    }
  }

  @Test
  void aCheckpointTornAtAnyByteLeavesThePreviousTotalOrTheNewOneNeverAnother() throws IOException {
    for (int keep = 0; keep <= PulseJournal.SLOT; keep++) {
      Path file = dir.resolve("meter-" + keep + ".pulses");
      try (PulseJournal journal = PulseJournal.open(DurableFiles.real(), file)) {
        journal.checkpoint(1_000, false);
        journal.checkpoint(1_010, false);
      }
      FaultyFiles faulty = new FaultyFiles();
      PulseJournal journal = PulseJournal.open(faulty, file);
      faulty.tearWrite(0, keep);
      assertThrows(IOException.class, () -> journal.checkpoint(1_020, false));
      journal.close();
      long total = totalAfterReboot(file);
      // the slot is whole once its CRC (bytes 24..27) is on flash
      assertEquals(keep >= 28 ? 1_020 : 1_010, total, "torn after " + keep + " bytes");
    }
  }

  @Test
  void aCheckpointLostBeforeItsForceLeavesThePreviousTotal() throws IOException {
    Path file = dir.resolve("meter.pulses");
    try (PulseJournal journal = PulseJournal.open(DurableFiles.real(), file)) {
      journal.checkpoint(500, false);
    }
    FaultyFiles faulty = new FaultyFiles();
    PulseJournal journal = PulseJournal.open(faulty, file);
    faulty.crashBeforeForce(0);
    assertThrows(IOException.class, () -> journal.checkpoint(510, false));
    faulty.powerCut();
    journal.close();
    assertEquals(500, totalAfterReboot(file));
  }

  @Test
  void aPowerCutWhileTheJournalIsCreatedLeavesNoHalfMadeFile() throws IOException {
    for (int step = 0; step < 3; step++) {
      Path file = dir.resolve("new-" + step + ".pulses");
      FaultyFiles faulty = new FaultyFiles().failAtStep(step, true);
      assertThrows(IOException.class, () -> PulseJournal.open(faulty, file));
      assertTrue(!Files.exists(file) || Files.size(file) == PulseJournal.SLOT * PulseJournal.SLOTS, "step " + step);
      assertEquals(0, totalAfterReboot(file), "a new meter after the reboot, step " + step);
      try (var files = Files.list(dir)) {
        assertTrue(files.noneMatch(f -> f.toString().endsWith(".tmp")), "the temp file is cleaned at the next open");
      }
    }
  }
}

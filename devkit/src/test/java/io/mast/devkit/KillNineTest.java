package io.mast.devkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real processes, real SIGKILL, real files: a store writer JVM is killed at random moments, over
 * and over on one directory, and after each kill {@code mast store dump} must show every
 * sequence number the writer reported synced, nothing corrupt, and the next writer must open the
 * store. The long run (200 cycles) is {@code mast bench store --kill-cycles 200}.
 */
class KillNineTest {
  @TempDir
  Path dir;

  @Test
  void everySyncedRecordSurvivesKillNineAndTheStoreReopensEveryTime() throws Exception {
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    KillHarness.Result r = new KillHarness(dir, 24, 1000, 7, 20, 5000, 16L << 20, 256 * 1024)
        .run(new PrintStream(progress, true, StandardCharsets.UTF_8));
    String log = progress.toString(StandardCharsets.UTF_8);
    assertEquals(java.util.List.of(), r.failures(), log);
    assertTrue(r.maxSynced() > 0, "writers reported synced records: " + r.summary());
    assertTrue(r.lastSeq() >= r.maxSynced());
  }
}

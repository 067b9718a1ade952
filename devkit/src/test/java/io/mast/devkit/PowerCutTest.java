package io.mast.devkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short run of {@code mast bench powercut} on every build: the pole's durable parts written by a
 * child on the power-cut file system (FUSE, {@code python3-fusepy}), the child killed and
 * everything not synced dropped at a random moment, every part opened and checked after each
 * cut. Its first runs found two directory entries a power cut took (the OTA download's data file,
 * the audit log's file after a rotation) and directories made without syncing their parents.
 */
class PowerCutTest {
  @TempDir
  Path dir;

  @Test
  void powerCutsBelowThePageCacheLoseNothingSyncedAndLeaveNothingCorruptInAnyPart() throws Exception {
    int cycles = 16;
    Map<String, PowerCutBench.Tally> tally = PowerCutBench.run(cycles, 29, dir, System.out);
    assertEquals(PowerCutBench.COMPONENTS, java.util.List.copyOf(tally.keySet()));
    int wrote = 0;
    for (var e : tally.entrySet()) {
      PowerCutBench.Tally t = e.getValue();
      System.out.printf("component=%s cycles=%d lost=%d corrupt=%d failed_opens=%d cut_after=%s%n", e.getKey(), t.cycles, t.lost,
          t.corrupt, t.failedOpens, t.cutAt);
      assertEquals(cycles, t.cycles, e.getKey());
      assertTrue(t.clean(), e.getKey() + ": " + t.findings);
      wrote += t.cutAt.getOrDefault("nothing", 0) < cycles ? 1 : 0;
    }
    assertEquals(PowerCutBench.COMPONENTS.size(), wrote, "every part had made something durable before some cut: " + tally.keySet());
  }
}

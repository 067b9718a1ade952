package io.mast.ota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.seams.DurableFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher (a POSIX sh script, run here by the system's /bin/sh, dash on Debian) deciding
 * which slot starts, with slot programs that record each start and exit as told: a trial slot
 * gets three starts, a fourth rolls back; a commit keeps it; a missing program, a garbled boot
 * file or a leftover of a write cut by power never leave the pole without a slot to run.
 */
class LauncherTest {
  @TempDir
  Path root;

  private Path launcher;

  @BeforeEach
  void slots() throws Exception {
    launcher = root.resolve("launcher");
    Files.write(launcher, BootState.launcher());
    for (String slot : List.of("a", "b")) {
      Path bin = root.resolve("slots").resolve(slot).resolve("bin");
      Files.createDirectories(bin);
      Path mast = bin.resolve("mast");
      Files.writeString(mast, "#!/bin/sh\necho \"$MAST_SLOT $MAST_ROOT $*\" >> \"$MAST_ROOT/starts\"\nexit 0\n");
      Files.setPosixFilePermissions(mast, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  /** One start, as systemd's would be; returns the slot that ran. */
  private String start() throws Exception {
    Process p = new ProcessBuilder("/bin/sh", launcher.toString(), root.toString(), "run", "--x").redirectErrorStream(true).start();
    String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the launcher ended");
    assertEquals(0, p.exitValue(), said);
    List<String> starts = Files.readAllLines(root.resolve("starts"));
    String lastStart = starts.get(starts.size() - 1);
    assertTrue(lastStart.endsWith(" " + root + " run --x"), "the slot got MAST_ROOT and the arguments: " + lastStart);
    return lastStart.substring(0, 1);
  }

  private BootState boot() throws Exception {
    return BootState.read(DurableFiles.real(), root);
  }

  @Test
  void aFreshBoardRunsSlotA() throws Exception {
    assertEquals("a", start());
    assertEquals(BootState.initial(), boot());
  }

  @Test
  void aTrialSlotGetsThreeStartsAndTheFourthRollsBackWithWhy() throws Exception {
    new BootState("a", "b", 0, "").write(DurableFiles.real(), root);
    for (int i = 1; i <= 3; i++) {
      assertEquals("b", start(), "start " + i);
      assertEquals(new BootState("a", "b", i, ""), boot());
    }
    assertEquals("a", start());
    assertEquals(new BootState("a", "", 0, "rolled_back:b:3 starts without a commit"), boot());
    assertEquals("a", start(), "and slot a from then on");
  }

  @Test
  void aCommitKeepsTheNewSlot() throws Exception {
    new BootState("a", "b", 0, "").write(DurableFiles.real(), root);
    assertEquals("b", start());
    // the runtime of slot b proved itself healthy and committed
    new BootState("b", "", 0, "committed:b").write(DurableFiles.real(), root);
    for (int i = 0; i < 5; i++) {
      assertEquals("b", start());
    }
    assertEquals("b", boot().active());
  }

  @Test
  void aMissingProgramAGarbledPointerOrAWriteCutByPowerStillRunsASlot() throws Exception {
    new BootState("a", "b", 0, "").write(DurableFiles.real(), root);
    Files.delete(root.resolve("slots/b/bin/mast"));
    assertEquals("a", start(), "a trial slot without its program: the other runs");
    Files.write(root.resolve("boot"), new byte[] {(byte) 0xff, 0, 0x13, '\n', 'x'});
    assertEquals("a", start(), "garbage: slot a");
    slots(); // b's program back
    new BootState("b", "", 0, "").write(DurableFiles.real(), root);
    Files.writeString(root.resolve("boot.tmp.4242"), "active=a\ntri"); // a launcher's write cut by a power cut
    assertEquals("b", start(), "the leftover is not the pointer");
  }
}

package io.mast.runtime.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.seams.DurableFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogTest {
  private static final Instant T = Instant.parse("2026-06-01T08:00:00Z");

  @TempDir
  Path dir;

  @Test
  void entriesAreKeptInOrderAcrossReopeningAndControlCharactersCannotForgeALine() throws Exception {
    AuditLog log = AuditLog.open(DurableFiles.real(), dir, 64 * 1024);
    log.append(T, "serial", "login ok");
    log.append(T.plusSeconds(5), "serial", "config set sensors[pms].interval_s 30\n2026-01-01T00:00:00Z x forged");
    List<AuditLog.Entry> entries = AuditLog.open(DurableFiles.real(), dir, 64 * 1024).recent(10);
    assertEquals(2, entries.size(), entries.toString());
    assertEquals(new AuditLog.Entry(1, T, "serial", "login ok"), entries.get(0));
    assertEquals("config set sensors[pms].interval_s 30 2026-01-01T00:00:00Z x forged", entries.get(1).what());
    assertTrue(Files.readString(dir.resolve("audit.log")).startsWith("1 2026-06-01T08:00:00Z serial login ok #"));
  }

  @Test
  void aTornLastLineIsSkippedAndWrittenOverAndNothingBeforeItIsLost() throws Exception {
    AuditLog log = AuditLog.open(DurableFiles.real(), dir, 64 * 1024);
    log.append(T, "serial", "login ok");
    byte[] before = Files.readAllBytes(dir.resolve("audit.log"));
    // a power cut mid-write: half of a line on the card
    Files.write(dir.resolve("audit.log"), ("2 2026-06-01T08:01:00Z serial config apply versi").getBytes(),
        java.nio.file.StandardOpenOption.APPEND);
    AuditLog reopened = AuditLog.open(DurableFiles.real(), dir, 64 * 1024);
    assertEquals(List.of(new AuditLog.Entry(1, T, "serial", "login ok")), reopened.recent(10));
    reopened.append(T.plusSeconds(120), "serial", "logout");
    assertEquals(List.of(new AuditLog.Entry(1, T, "serial", "login ok"), new AuditLog.Entry(2, T.plusSeconds(120), "serial", "logout")),
        AuditLog.open(DurableFiles.real(), dir, 64 * 1024).recent(10));
    assertTrue(Files.readString(dir.resolve("audit.log")).startsWith(new String(before)));
    assertTrue(!Files.readString(dir.resolve("audit.log")).contains("versi"), "the torn line was written over");
  }

  @Test
  void thePreviousFileKeepsTheOlderEntriesSoTheLogStaysBounded() throws Exception {
    AuditLog log = AuditLog.open(DurableFiles.real(), dir, 1024);
    for (int i = 0; i < 100; i++) {
      log.append(T.plusSeconds(i), "serial", "change " + i);
    }
    long onFlash = Files.size(dir.resolve("audit.log")) + Files.size(dir.resolve("audit.old"));
    assertTrue(onFlash <= 2048, "at most twice the bound: " + onFlash);
    List<AuditLog.Entry> recent = log.recent(5);
    assertEquals("change 99", recent.get(4).what());
    assertEquals("change 95", recent.get(0).what());
    assertEquals(100, recent.get(4).seq());
    assertEquals(101, AuditLog.open(DurableFiles.real(), dir, 1024).nextSeq(), "numbering goes on after a restart");
    assertEquals(List.of(99L, 100L), log.after(98, 10).stream().map(AuditLog.Entry::seq).toList());
  }
}

package io.mast.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.runtime.console.AuditLog;
import io.mast.seams.DurableFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * The console's audit log opened over any bytes its two files hold after a power cut or bit rot
 * ({@code audit.log}, {@code audit.old}): it opens, what it lists reads back, and it takes the
 * next entry with a number above every one listed. Nothing may be thrown.
 */
class AuditLogRecoveryFuzzTest {
  @FuzzTest
  void reopen(FuzzedDataProvider data) throws Exception {
    Path dir = FlashFiles.fresh("audit");
    byte[] old = data.consumeBytes(data.consumeInt(0, 8192));
    Files.write(dir.resolve("audit.log"), data.consumeRemainingAsBytes());
    Files.write(dir.resolve("audit.old"), old);
    AuditLog log = AuditLog.open(DurableFiles.real(), dir, 16 * 1024);
    long highest = 0;
    for (AuditLog.Entry e : log.recent(1_000)) {
      highest = Math.max(highest, e.seq());
    }
    AuditLog.Entry next = log.append(Instant.ofEpochSecond(1_800_000_000L), "tech", "after the cut");
    if (next.seq() <= highest) {
      throw new IllegalStateException("entry " + next.seq() + " after entries up to " + highest);
    }
    if (!AuditLog.open(DurableFiles.real(), dir, 16 * 1024).recent(1).get(0).equals(next)) {
      throw new IllegalStateException("the entry appended after recovery does not read back");
    }
  }
}

package io.mast.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tinylog.Level;
import org.tinylog.core.LogEntry;

/** The journal's lines: a syslog priority on every line, thread, class and message, no timestamp. */
class JournalWriterTest {
  private static LogEntry entry(Level level, String message, Throwable t) {
    return new LogEntry(null, new Thread("mast-uplink"), Map.of(), "io.mast.runtime.uplink.Uplink", "connect", null, -1, null, level,
        message, t);
  }

  @Test
  void eachLevelGetsItsPriorityAndAStackTraceKeepsItOnEveryLine() {
    assertEquals("<6>[mast-uplink] Uplink: uplink: connected\n", JournalWriter.lines(entry(Level.INFO, "uplink: connected", null)));
    assertEquals("<4>[mast-uplink] Uplink: slow\n", JournalWriter.lines(entry(Level.WARN, "slow", null)));
    assertEquals("<7>[mast-uplink] Uplink: detail\n", JournalWriter.lines(entry(Level.DEBUG, "detail", null)));
    assertEquals("<6>[mast-uplink] Uplink: two\n<6>lines\n", JournalWriter.lines(entry(Level.INFO, "two\nlines", null)));
    String failed = JournalWriter.lines(entry(Level.ERROR, "store sync failed", new java.io.IOException("disk gone")));
    String[] lines = failed.split("\n");
    assertEquals("<3>[mast-uplink] Uplink: store sync failed", lines[0]);
    assertEquals("<3>java.io.IOException: disk gone", lines[1]);
    for (String l : lines) {
      assertEquals("<3>", l.substring(0, 3), failed);
    }
  }

  @Test
  void onlyAStandardErrorThatIsTheNamedStreamCountsAsTheJournal() throws Exception {
    assertFalse(MastCommand.toJournal(null));
    assertFalse(MastCommand.toJournal("not a stream"));
    assertFalse(MastCommand.toJournal("1:2"), "this test's standard error is not device 1, inode 2");
    // and the stream this test's standard error really is does count
    java.nio.file.Path err = java.nio.file.Path.of("/proc/self/fd/2");
    String mine = java.nio.file.Files.getAttribute(err, "unix:dev") + ":" + java.nio.file.Files.getAttribute(err, "unix:ino");
    org.junit.jupiter.api.Assertions.assertTrue(MastCommand.toJournal(mine), mine);
  }
}

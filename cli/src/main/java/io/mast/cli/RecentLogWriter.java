package io.mast.cli;

import io.mast.seams.RecentLog;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Map;
import org.tinylog.core.LogEntry;
import org.tinylog.core.LogEntryValue;
import org.tinylog.writers.Writer;

/**
 * A tinylog writer ({@code writer2 = recent log} in tinylog.properties) that keeps the newest
 * lines in {@link RecentLog}, for the console's {@code log} command. Time, level, thread and
 * message on one line; a throwable adds its one-line description.
 */
public final class RecentLogWriter implements Writer {
  public RecentLogWriter(Map<String, String> properties) {
    // nothing to configure: the ring's size is RecentLog's
  }

  @Override
  public Collection<LogEntryValue> getRequiredLogEntryValues() {
    return EnumSet.of(LogEntryValue.DATE, LogEntryValue.LEVEL, LogEntryValue.THREAD, LogEntryValue.MESSAGE,
        LogEntryValue.EXCEPTION);
  }

  @Override
  public void write(LogEntry e) {
    StringBuilder b = new StringBuilder();
    b.append(e.getTimestamp().toInstant().toString(), 0, Math.min(19, e.getTimestamp().toInstant().toString().length()))
        .append(' ').append(e.getLevel()).append(' ');
    if (e.getThread() != null) {
      b.append('[').append(e.getThread().getName()).append("] ");
    }
    b.append(e.getMessage() == null ? "" : e.getMessage());
    if (e.getException() != null) {
      b.append(" (").append(e.getException()).append(')');
    }
    RecentLog.add(b.toString());
  }

  @Override
  public void flush() {
    // in memory: nothing to flush
  }

  @Override
  public void close() {
    // in memory: nothing to close
  }
}

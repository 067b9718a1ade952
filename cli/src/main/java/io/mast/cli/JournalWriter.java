package io.mast.cli;

import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Map;
import org.tinylog.Level;
import org.tinylog.core.LogEntry;
import org.tinylog.core.LogEntryValue;
import org.tinylog.writers.Writer;

/**
 * A tinylog writer for Mast under systemd ({@code writer = journal}, chosen by {@link MastCommand}
 * when {@code JOURNAL_STREAM} says standard error goes to the journal): each line on standard
 * error with the syslog priority journald reads from a {@code <N>} prefix (3 error, 4 warning,
 * 6 info, 7 debug and trace), then thread, class and message; no timestamp, since journald adds
 * its own. A throwable follows, each line of its stack trace with the same prefix.
 */
public final class JournalWriter implements Writer {
  private final PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.err), true, StandardCharsets.UTF_8);

  public JournalWriter(Map<String, String> properties) {
    // nothing to configure
  }

  /** The syslog priority of a tinylog level. */
  static int priority(Level level) {
    return switch (level) {
      case ERROR -> 3;
      case WARN -> 4;
      case INFO -> 6;
      default -> 7;
    };
  }

  /** The journal lines of one entry. */
  static String lines(LogEntry e) {
    String prefix = "<" + priority(e.getLevel()) + ">";
    StringBuilder b = new StringBuilder(prefix);
    if (e.getThread() != null) {
      b.append('[').append(e.getThread().getName()).append("] ");
    }
    if (e.getClassName() != null) {
      b.append(e.getClassName().substring(e.getClassName().lastIndexOf('.') + 1)).append(": ");
    }
    b.append(e.getMessage() == null ? "" : e.getMessage().replace("\n", "\n" + prefix));
    if (e.getException() != null) {
      StringWriter trace = new StringWriter();
      e.getException().printStackTrace(new java.io.PrintWriter(trace));
      for (String line : trace.toString().split("\n")) {
        b.append('\n').append(prefix).append(line.stripTrailing());
      }
    }
    return b.append('\n').toString();
  }

  @Override
  public Collection<LogEntryValue> getRequiredLogEntryValues() {
    return EnumSet.of(LogEntryValue.LEVEL, LogEntryValue.THREAD, LogEntryValue.CLASS, LogEntryValue.MESSAGE, LogEntryValue.EXCEPTION);
  }

  @Override
  public void write(LogEntry e) {
    out.print(lines(e));
  }

  @Override
  public void flush() {
    out.flush();
  }

  @Override
  public void close() {
    out.flush();
  }
}

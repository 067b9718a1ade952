package io.mast.runtime.console;

import io.mast.runtime.core.Pole;
import io.mast.seams.RecentLog;
import java.io.IOException;
import java.util.List;

/**
 * The console's commands about the session and the process rather than the pole's data:
 * {@code help}, {@code whoami}, {@code login}, {@code logout}, {@code exit}, {@code log},
 * {@code audit}, {@code ota status} and {@code restart} (confirmed by a person, audited).
 */
final class SessionCommands {
  private final Pole runtime;
  private final ConsoleService service;
  private final CommandTable table;

  SessionCommands(Pole runtime, ConsoleService service, CommandTable table) {
    this.runtime = runtime;
    this.service = service;
    this.table = table;
  }

  int help(Shell.Caller caller, List<String> args, List<String> out) {
    if (!args.isEmpty()) {
      CommandTable.Command c = table.get(args.get(0));
      if (c == null) {
        out.add("no command '" + args.get(0) + "'; type help for the list");
        return 2;
      }
      out.add("usage:   " + c.usage());
      out.add("         " + c.summary());
      out.add("example: " + c.example());
      if (c.name().equals("config")) {
        out.addAll(ConfigCommands.HELP);
      }
      return 0;
    }
    Table t = new Table("command", "what it does");
    for (CommandTable.Command c : table.all()) {
      t.row(c.usage().length() > 30 ? c.name() + " ..." : c.usage(), c.summary());
    }
    out.addAll(t.lines(Shell.WIDTH));
    out.add("help COMMAND shows an example. Tab completes; Ctrl-C cancels; up/down: history.");
    return 0;
  }

  int ota(Shell.Caller caller, List<String> args, List<String> out) {
    if (args.size() != 1 || !args.get(0).equals("status")) {
      out.add("usage: ota status");
      return 2;
    }
    if (service.ota() == null) {
      out.add("updates are off in this run (no OTA agent started)");
      return 1;
    }
    for (String l : service.ota().describe()) {
      out.add(Table.cut(l, Shell.WIDTH));
    }
    return 0;
  }

  int log(Shell.Caller caller, List<String> args, List<String> out) {
    int n = 20;
    if (!args.isEmpty()) {
      try {
        n = Integer.parseInt(args.get(0));
      } catch (NumberFormatException e) {
        n = -1;
      }
      if (n < 1 || n > RecentLog.CAPACITY) {
        out.add("log N takes a count from 1 to " + RecentLog.CAPACITY + ", e.g. log 50");
        return 2;
      }
    }
    List<String> lines = RecentLog.newest(n);
    if (lines.isEmpty()) {
      out.add("(no log lines kept in this process yet)");
    }
    for (String l : lines) {
      out.add(Table.cut(l, Shell.WIDTH));
    }
    return 0;
  }

  int audit(Shell.Caller caller, List<String> args, List<String> out) throws IOException {
    int n = args.isEmpty() ? 10 : Integer.parseInt(args.get(0));
    for (AuditLog.Entry e : service.recentAudit(n)) {
      out.add(Table.cut("#" + e.seq() + " " + e.time().toString().replace('T', ' ').replaceAll("\\.\\d+Z$", "Z") + " " + e.what(), Shell.WIDTH));
      out.add(Table.cut("    by " + e.who(), Shell.WIDTH));
    }
    return 0;
  }

  int whoami(Shell.Caller caller, List<String> args, List<String> out) {
    out.add(caller.who());
    out.add(caller.mayChange() ? "  may read and change" : "  may read; to change, " + caller.howToChange());
    if (caller.staged().count() > 0) {
      out.add(caller.staged().count() + " config edits staged (config diff)");
    }
    return 0;
  }

  int login(Shell.Caller caller, List<String> args, List<String> out) {
    return forAPerson(caller, out, "login is for a person at a terminal; a remote command's key decides what it may do", caller::login);
  }

  int logout(Shell.Caller caller, List<String> args, List<String> out) {
    return forAPerson(caller, out, "logout is for a person at a terminal", caller::logout);
  }

  int exit(Shell.Caller caller, List<String> args, List<String> out) {
    return forAPerson(caller, out, "exit ends a terminal session; a remote command has none", caller::exit);
  }

  /** Runs {@code action} for a person at a terminal; anyone else gets {@code refusal} and status 2. */
  private static int forAPerson(Shell.Caller caller, List<String> out, String refusal, Runnable action) {
    if (!caller.interactive()) {
      out.add(refusal);
      return 2;
    }
    action.run();
    return 0;
  }

  int restart(Shell.Caller caller, List<String> args, List<String> out) {
    if (caller.interactive()) {
      caller.confirmRestart();
      return 0;
    }
    service.audit(caller.who(), "restart");
    out.add("restarting Mast now");
    runtime.requestRestart("remote console, " + caller.who());
    return 0;
  }

  /** After a person typed yes: the restart, audited. */
  void restartConfirmed(Shell.Caller caller, List<String> out) {
    service.audit(caller.who(), "restart");
    out.add("restarting Mast: readings stored so far are kept and sent after the restart");
    runtime.requestRestart("console, " + caller.who());
  }
}

package io.mast.runtime.console;

import io.mast.config.model.DeviceConfig;
import io.mast.runtime.core.Pole;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The console's commands and its one authorisation rule, for every transport: the serial
 * port, the Unix socket, the terminal and the remote console over MQTT run the same
 * {@link #run} with a {@link Caller} that says who they are and whether they may change the pole.
 *
 * <p><b>The rule.</b> A command that reads runs for anyone. A command that changes the pole
 * ({@code config set|apply|discard}, {@code meter set-total}, {@code restart}) runs only for a
 * caller whose {@link Caller#mayChange()} holds: a technician after {@code login}, or a remote
 * command signed by a key with {@code console_changes}. Each change is audited by who did it.
 *
 * <p><b>The table.</b> The commands are one {@link CommandTable}, registered below in the order
 * {@code help} lists them; their handlers live in small classes by group: {@link PoleScreens}
 * (status, store, uplink, modem), {@link SensorCommands} (sensors, read, watch, meter),
 * {@link ConfigCommands} (config) and {@link SessionCommands} (help, log, audit, ota, login,
 * logout, whoami, restart, exit). A new command is one line here and one method there.
 *
 * <p>Every answer fits 80 columns; every error says what to type instead. Thread-safe: commands
 * read the runtime's figures, and changes go through the config agent's own thread.
 */
public final class Shell {
  /** The width tables are cut to. */
  static final int WIDTH = 80;

  /** Who runs a command, and the parts of a session a command may use. */
  public interface Caller {
    /** For the audit: {@code technician@serial:/dev/ttyS0}, {@code key:platform-2026@mqtt}. */
    String who();

    boolean mayChange();

    /** Called once right before a change runs; false refuses it after all (a remote command's id could not be recorded). */
    default boolean beginChange() {
      return true;
    }

    /** What to do to be allowed a change, for the refusal. */
    String howToChange();

    /** Whether a person is typing (watch, login, confirmations and exit need one). */
    boolean interactive();

    /** This caller's staged config edits. */
    Staged staged();

    default void login() {}

    default void logout() {}

    default void watch(List<String> sensorIds) {}

    default void confirmRestart() {}

    default void exit() {}
  }

  /** Config edits staged by one caller, applied together by {@code config apply}. */
  public static final class Staged {
    DeviceConfig base;
    DeviceConfig edited;
    final List<String> edits = new ArrayList<>();

    boolean empty() {
      return edited == null;
    }

    void clear() {
      base = null;
      edited = null;
      edits.clear();
    }

    /** How many edits wait. */
    public int count() {
      return edits.size();
    }
  }

  /** What a command printed and whether it did what was asked (0). */
  public record Result(int status, List<String> lines) {}

  private final CommandTable commands = new CommandTable();
  private final SensorCommands sensors;
  private final SessionCommands session;

  Shell(Pole runtime, ConsoleService service, Clock clock) {
    PoleScreens pole = new PoleScreens(runtime, service, clock);
    this.sensors = new SensorCommands(runtime, service, clock);
    ConfigCommands config = new ConfigCommands(runtime, service);
    this.session = new SessionCommands(runtime, service, commands);
    CommandTable.Completer sensorIds = (words, at) -> sensors.ids();
    commands
        .add(new CommandTable.Command("help", "help [COMMAND]", "what each command does, with an example", "help config",
            Set.of(), session::help, (words, at) -> at == 1 ? names() : List.of()))
        .add("status", "status", "the pole on one screen", "status", pole::status)
        .add("sensors", "sensors", "each sensor: last value, age, errors", "sensors", sensors::sensors)
        .add(new CommandTable.Command("read", "read SENSOR", "sample a sensor now (not stored)", "read pms",
            Set.of(), sensors::read, sensorIds))
        .add(new CommandTable.Command("watch", "watch [SENSOR...]", "live values until Ctrl-C", "watch pms co2",
            Set.of(), sensors::watch, sensorIds))
        .add("store", "store", "the ring store on flash", "store", pole::store)
        .add("uplink", "uplink", "the MQTT link and today's bytes", "uplink", pole::uplink)
        .add("modem", "modem", "NB-IoT registration and signal", "modem", pole::modem)
        .add(new CommandTable.Command("config", "config show [PATH]|get PATH|set PATH VALUE|diff|apply|discard",
            "see and change the config (changes: login first)", "config set sensors[pms].interval_s 30",
            ConfigCommands.CHANGING, config::config, config::complete))
        .add(new CommandTable.Command("meter", "meter set-total SENSOR VALUE", "set a pulse meter to its register",
            "meter set-total water-meter 1234.5", CommandTable.ALWAYS, sensors::meter,
            (words, at) -> at == 1 ? List.of("set-total") : at == 2 ? sensors.ids() : List.of()))
        .add(new CommandTable.Command("ota", "ota status", "updates: slots, download, last report", "ota status",
            Set.of(), session::ota, (words, at) -> at == 1 ? List.of("status") : List.of()))
        .add("log", "log [N]", "the newest N log lines (default 20)", "log 50", session::log)
        .add("audit", "audit [N]", "the newest N audit entries (default 10)", "audit", session::audit)
        .add("login", "login", "log in with the technician PIN", "login", session::login)
        .add("logout", "logout", "log out", "logout", session::logout)
        .add("whoami", "whoami", "who this session is and what it may do", "whoami", session::whoami)
        .add(new CommandTable.Command("restart", "restart", "restart Mast (asks to confirm)", "restart",
            CommandTable.ALWAYS, session::restart, CommandTable.NOTHING))
        .add("exit", "exit", "end this session", "exit", session::exit);
  }

  /** The command names, for completion. */
  List<String> names() {
    return commands.names();
  }

  /** Runs one line for {@code caller}. Never throws: a failure is an error line and status 1. */
  public Result run(Caller caller, String line) {
    List<String> out = new ArrayList<>();
    List<String> words = words(line);
    if (words.isEmpty()) {
      return new Result(0, out);
    }
    CommandTable.Command c = commands.get(words.get(0));
    if (c == null) {
      out.add("unknown command '" + words.get(0) + "'; type help for the list");
      return new Result(2, out);
    }
    List<String> args = words.subList(1, words.size());
    if (c.changes(args) && (!caller.mayChange() || !caller.beginChange())) {
      out.add(c.name() + (c.changes() == CommandTable.ALWAYS ? "" : " " + args.get(0)) + " changes the pole: " + caller.howToChange());
      return new Result(3, out);
    }
    try {
      return new Result(c.handler().run(caller, args, out), out);
    } catch (java.io.IOException | RuntimeException e) {
      out.add(c.name() + " failed: " + e.getMessage());
      return new Result(1, out);
    }
  }

  /** Words split on spaces; "double quotes" keep spaces (a site name). */
  static List<String> words(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder w = new StringBuilder();
    boolean quoted = false;
    boolean any = false;
    for (char ch : line.toCharArray()) {
      if (ch == '"') {
        quoted = !quoted;
        any = true;
      } else if (ch == ' ' && !quoted) {
        if (any) {
          out.add(w.toString());
          w.setLength(0);
          any = false;
        }
      } else {
        w.append(ch);
        any = true;
      }
    }
    if (any) {
      out.add(w.toString());
    }
    return out;
  }

  /** Candidates for the last word of {@code line}: commands, sub-commands, sensor ids, config paths. */
  List<String> complete(String line) {
    List<String> words = words(line);
    boolean fresh = line.isEmpty() || line.endsWith(" ");
    int at = fresh ? words.size() : words.size() - 1;
    if (at == 0) {
      return names();
    }
    CommandTable.Command c = commands.get(words.get(0));
    return c == null ? List.of() : c.completer().complete(words, at);
  }

  /** One line of a watch: each sensor's last value, for {@link Session}. */
  String watchLine(List<String> ids) {
    return sensors.watchLine(ids);
  }

  /** After a person typed yes: the restart, audited. */
  void restartConfirmed(Caller caller, List<String> out) {
    session.restartConfirmed(caller, out);
  }
}

package io.mast.runtime.console;

import io.mast.config.ConfigException;
import io.mast.config.DeviceConfigs;
import io.mast.config.Problem;
import io.mast.config.Validation;
import io.mast.config.model.DeviceConfig;
import io.mast.config.model.DriverKind;
import io.mast.config.model.Sensor;
import io.mast.drivers.ChannelValue;
import io.mast.drivers.PulseMeter;
import io.mast.drivers.Sample;
import io.mast.drivers.SensorDriver;
import io.mast.protocol.ConfigAckMessage;
import io.mast.protocol.ConfigSetMessage;
import io.mast.runtime.EdgeRuntime;
import io.mast.runtime.sampling.Sampler;
import io.mast.runtime.uplink.Link;
import io.mast.runtime.uplink.Uplink;
import io.mast.seams.RecentLog;
import io.mast.store.LaneStats;
import io.mast.store.StoreStats;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
 * <p>Every answer fits 80 columns; every error says what to type instead. Thread-safe: commands
 * read the runtime's figures, and changes go through the config agent's own thread.
 */
public final class Shell {
  /** The width tables are cut to. */
  static final int WIDTH = 80;
  /** How long {@code read} waits for a driver (the slowest, M-Bus, answers within 3 s). */
  static final Duration READ_WAIT = Duration.ofSeconds(10);
  /** How long {@code config apply} waits for the config agent. */
  static final Duration APPLY_WAIT = Duration.ofSeconds(30);

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
    private DeviceConfig base;
    private DeviceConfig edited;
    private final List<String> edits = new ArrayList<>();

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

  /** One command: its words, help and whether it changes the pole. */
  private record Command(String name, String usage, String summary, String example, boolean changes, Handler handler) {}

  private interface Handler {
    int run(Caller caller, List<String> args, List<String> out) throws IOException;
  }

  private final EdgeRuntime runtime;
  private final ConsoleService service;
  private final Clock clock;
  private final Map<String, Command> commands = new LinkedHashMap<>();

  Shell(EdgeRuntime runtime, ConsoleService service, Clock clock) {
    this.runtime = runtime;
    this.service = service;
    this.clock = clock;
    add("help", "help [COMMAND]", "what each command does, with an example", "help config", false, this::help);
    add("status", "status", "the pole on one screen", "status", false, this::status);
    add("sensors", "sensors", "each sensor: last value, age, errors", "sensors", false, this::sensors);
    add("read", "read SENSOR", "sample a sensor now (not stored)", "read pms", false, this::read);
    add("watch", "watch [SENSOR...]", "live values until Ctrl-C", "watch pms co2", false, this::watch);
    add("store", "store", "the ring store on flash", "store", false, this::store);
    add("uplink", "uplink", "the MQTT link and today's bytes", "uplink", false, this::uplink);
    add("modem", "modem", "NB-IoT registration and signal", "modem", false, this::modem);
    add("config", "config show [PATH]|get PATH|set PATH VALUE|diff|apply|discard",
        "see and change the config (changes: login first)", "config set sensors[pms].interval_s 30", false, this::config);
    add("meter", "meter set-total SENSOR VALUE", "set a pulse meter to its register", "meter set-total water-meter 1234.5",
        true, this::meter);
    add("ota", "ota status", "updates: slots, download, last report", "ota status", false, this::ota);
    add("log", "log [N]", "the newest N log lines (default 20)", "log 50", false, this::log);
    add("audit", "audit [N]", "the newest N audit entries (default 10)", "audit", false, this::audit);
    add("login", "login", "log in with the technician PIN", "login", false, this::login);
    add("logout", "logout", "log out", "logout", false, this::logout);
    add("whoami", "whoami", "who this session is and what it may do", "whoami", false, this::whoami);
    add("restart", "restart", "restart Mast (asks to confirm)", "restart", true, this::restart);
    add("exit", "exit", "end this session", "exit", false, this::exit);
  }

  private void add(String name, String usage, String summary, String example, boolean changes, Handler h) {
    commands.put(name, new Command(name, usage, summary, example, changes, h));
  }

  /** The command names, for completion. */
  List<String> names() {
    return List.copyOf(commands.keySet());
  }

  /** Runs one line for {@code caller}. Never throws: a failure is an error line and status 1. */
  public Result run(Caller caller, String line) {
    List<String> out = new ArrayList<>();
    List<String> words = words(line);
    if (words.isEmpty()) {
      return new Result(0, out);
    }
    Command c = commands.get(words.get(0));
    if (c == null) {
      out.add("unknown command '" + words.get(0) + "'; type help for the list");
      return new Result(2, out);
    }
    boolean changes = c.changes() || c.name().equals("config") && words.size() > 1
        && List.of("set", "apply", "discard").contains(words.get(1));
    if (changes && (!caller.mayChange() || !caller.beginChange())) {
      out.add(c.name() + (c.name().equals("config") ? " " + words.get(1) : "") + " changes the pole: " + caller.howToChange());
      return new Result(3, out);
    }
    try {
      return new Result(c.handler().run(caller, words.subList(1, words.size()), out), out);
    } catch (IOException | RuntimeException e) {
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
    String cmd = words.get(0);
    List<String> sensorIds = runtime.config().getSensorsList().stream().map(Sensor::getId).toList();
    switch (cmd) {
      case "read", "watch" -> {
        return sensorIds;
      }
      case "help" -> {
        return at == 1 ? names() : List.of();
      }
      case "ota" -> {
        return at == 1 ? List.of("status") : List.of();
      }
      case "meter" -> {
        return at == 1 ? List.of("set-total") : at == 2 ? sensorIds : List.of();
      }
      case "config" -> {
        if (at == 1) {
          return List.of("show", "get", "set", "diff", "apply", "discard");
        }
        return at == 2 && List.of("show", "get", "set").contains(words.get(1)) ? DeviceConfigs.paths(runtime.config()) : List.of();
      }
      default -> {
        return List.of();
      }
    }
  }

  // ------------------------------------------------------------------ commands that read

  private int help(Caller caller, List<String> args, List<String> out) {
    if (!args.isEmpty()) {
      Command c = commands.get(args.get(0));
      if (c == null) {
        out.add("no command '" + args.get(0) + "'; type help for the list");
        return 2;
      }
      out.add("usage:   " + c.usage());
      out.add("         " + c.summary());
      out.add("example: " + c.example());
      if (c.name().equals("config")) {
        out.add("  show [PATH]      the config in force (secrets masked), or a part of it");
        out.add("  get PATH         one value, e.g. config get uplink.batch_window_s");
        out.add("  set PATH VALUE   stage an edit; VALUE is JSON or a word, null removes");
        out.add("  diff             the staged edits against the config in force");
        out.add("  apply            check and apply them all, as a platform push would");
        out.add("  discard          drop the staged edits");
      }
      return 0;
    }
    Table t = new Table("command", "what it does");
    for (Command c : commands.values()) {
      t.row(c.usage().length() > 30 ? c.name() + " ..." : c.usage(), c.summary());
    }
    out.addAll(t.lines(WIDTH));
    out.add("help COMMAND shows an example. Tab completes; Ctrl-C cancels; up/down: history.");
    return 0;
  }

  private int status(Caller caller, List<String> args, List<String> out) throws IOException {
    DeviceConfig c = runtime.config();
    Uplink.Stats u = runtime.uplinkStats();
    StoreStats s = runtime.storeStats();
    LaneStats r = s.readings();
    Sampler sampler = runtime.sampler();
    out.add(pad("pole", 9) + runtime.deviceId() + (c.getIdentity().getSite().isEmpty() ? "" : ", " + c.getIdentity().getSite()));
    out.add(pad("version", 9) + "Mast " + runtime.version() + ", Java " + System.getProperty("java.version", "?")
        + ", up " + duration(runtime.uptimeMillis() / 1000));
    out.add(pad("link", 9) + linkLine(u));
    out.add(pad("modem", 9) + modemLine(sampler));
    out.add(pad("store", 9) + bytes(r.usedBytes()) + " of " + bytes(r.capacityBytes()) + ", " + r.unackedRecords()
        + " records unsent" + (r.oldestUnackedTime() < 0 ? "" : " (oldest " + duration(Math.max(0, clock.millis() / 1000 - r.oldestUnackedTime())) + ")"));
    var guard = runtime.configAgent() == null ? null : runtime.configAgent().guard();
    out.add(pad("config", 9) + "version " + Long.toUnsignedString(c.getVersion()) + (guard == null ? ", confirmed"
        : ", NOT confirmed: reverts at " + guard.revertAt() + " unless the broker confirms it"));
    int failing = 0;
    if (sampler != null) {
      for (var ch : runtime.profile().channels()) {
        if (!sampler.lastError(ch.id()).isEmpty() && sampler.lastAt(ch.id()) == 0) {
          failing++;
        }
      }
    }
    out.add(pad("sensors", 9) + c.getSensorsCount() + " channels" + (failing == 0 ? "" : ", " + failing + " never read (type sensors)"));
    out.add(pad("error", 9) + lastError(u, sampler));
    return 0;
  }

  private String linkLine(Uplink.Stats u) {
    String state = switch (u.state()) {
      case CONNECTED -> "connected to " + u.broker() + " since " + ago(u.connectedAt());
      case CONNECTING -> "connecting to " + u.broker();
      case WAITING -> "down, next try in " + duration(u.retryInMillis() / 1000);
      case STOPPED -> "stopped";
    };
    return state + ", " + u.connects() + " connects";
  }

  private String lastError(Uplink.Stats u, Sampler sampler) {
    if (!u.lastError().isEmpty()) {
      return "uplink: " + u.lastError();
    }
    if (sampler != null) {
      for (var ch : runtime.profile().channels()) {
        if (!sampler.lastError(ch.id()).isEmpty()) {
          return ch.name() + ": " + sampler.lastError(ch.id());
        }
      }
    }
    return "none";
  }

  private String modemLine(Sampler sampler) {
    Map<String, String> m = modemValues(sampler);
    if (m.isEmpty()) {
      return "no modem sensor in the config (driver MODEM)";
    }
    List<String> parts = new ArrayList<>();
    m.forEach((k, v) -> parts.add(k + " " + v));
    return String.join(", ", parts);
  }

  /** The modem's configured quantities with their last values, in a fixed order. */
  private Map<String, String> modemValues(Sampler sampler) {
    Map<String, String> out = new LinkedHashMap<>();
    DeviceConfig c = runtime.config();
    for (String q : List.of("reg", "rsrp", "rsrq", "sinr", "csq")) {
      for (int i = 0; i < c.getSensorsCount(); i++) {
        Sensor s = c.getSensors(i);
        if (s.getDriver() == DriverKind.MODEM && s.getQuantity().equals(q)) {
          String name = q.equals("reg") ? "registration" : q.toUpperCase(Locale.ROOT);
          out.put(name, sampler == null || sampler.lastAt(i) == 0 ? "-" : value(sampler.last(i), s) + (q.equals("reg") ? " (" + reg(sampler.last(i)) + ")" : ""));
        }
      }
    }
    return out;
  }

  private static String reg(long state) {
    return switch ((int) state) {
      case 0 -> "not registered, not searching";
      case 1 -> "registered, home";
      case 2 -> "searching";
      case 3 -> "denied";
      case 5 -> "registered, roaming";
      default -> "state " + state;
    };
  }

  private int sensors(Caller caller, List<String> args, List<String> out) {
    Sampler sampler = runtime.sampler();
    DeviceConfig c = runtime.config();
    Table t = new Table("id", "driver", "last", "age", "ok", "err", "status");
    for (int i = 0; i < c.getSensorsCount(); i++) {
      Sensor s = c.getSensors(i);
      String driver = s.getDriver().name().toLowerCase(Locale.ROOT);
      if (sampler == null) {
        t.row(s.getId(), driver, "-", "-", "-", "-", "replay: no sampling");
        continue;
      }
      long at = sampler.lastAt(i);
      String err = sampler.lastError(i);
      String status = at == 0 && err.isEmpty() ? "waiting" : err.isEmpty() ? "ok" : at > 0 ? "ok, last error " + err : err;
      t.row(s.getId(), driver, at == 0 ? "-" : value(sampler.last(i), s), at == 0 ? "-" : ago(at * 1000),
          sampler.ok(i), sampler.errors(i), status);
    }
    out.addAll(t.lines(WIDTH));
    return 0;
  }

  private int read(Caller caller, List<String> args, List<String> out) {
    if (args.size() != 1) {
      out.add("read takes one sensor id, e.g. read " + firstSensor() + " (Tab lists them)");
      return 2;
    }
    Optional<Sensor> sensor = sensor(args.get(0), out);
    if (sensor.isEmpty()) {
      return 2;
    }
    Sampler sampler = runtime.sampler();
    Optional<SensorDriver> driver = runtime.sensors() == null ? Optional.empty() : runtime.sensors().driverOf(args.get(0));
    if (sampler == null || driver.isEmpty()) {
      out.add("nothing samples " + args.get(0) + " in this run (a replay); type sensors");
      return 1;
    }
    Sample sample;
    try {
      sample = sampler.sampleNow(driver.get()).get(READ_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      out.add(args.get(0) + ": " + driver.get().name() + " failed: " + e.getCause().getMessage() + "; check the wiring, then read again");
      return 1;
    } catch (TimeoutException e) {
      out.add(args.get(0) + ": no answer within " + READ_WAIT.toSeconds() + " s; the driver is busy or hung (type log)");
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
    ChannelValue v = sample.get(sensor.get().getChannel());
    if (!v.isOk()) {
      out.add(args.get(0) + ": " + v.status() + (v.detail().isEmpty() ? "" : ": " + v.detail()));
      return 1;
    }
    out.add(args.get(0) + " = " + value(v.mantissa(), sensor.get()) + "  (" + sensor.get().getChannel() + ", now; not stored)");
    return 0;
  }

  private int watch(Caller caller, List<String> args, List<String> out) {
    if (!caller.interactive()) {
      out.add("watch is live and needs a terminal; use sensors or read SENSOR here");
      return 2;
    }
    for (String id : args) {
      if (sensor(id, out).isEmpty()) {
        return 2;
      }
    }
    caller.watch(args.isEmpty() ? runtime.config().getSensorsList().stream().map(Sensor::getId).toList() : args);
    return 0;
  }

  /** One line of a watch: each sensor's last value, for {@link Session}. */
  String watchLine(List<String> ids) {
    Sampler sampler = runtime.sampler();
    DeviceConfig c = runtime.config();
    StringBuilder b = new StringBuilder(java.time.LocalTime.ofInstant(clock.instant(), java.time.ZoneOffset.UTC).withNano(0).toString());
    for (String id : ids) {
      for (int i = 0; i < c.getSensorsCount(); i++) {
        Sensor s = c.getSensors(i);
        if (s.getId().equals(id)) {
          b.append("  ").append(id).append(' ').append(sampler == null || sampler.lastAt(i) == 0 ? "-" : value(sampler.last(i), s));
        }
      }
    }
    return Table.cut(b.toString(), WIDTH);
  }

  private int store(Caller caller, List<String> args, List<String> out) throws IOException {
    StoreStats s = runtime.storeStats();
    Table t = new Table("", "readings", "alarms");
    LaneStats r = s.readings();
    LaneStats a = s.alarms();
    t.row("capacity", bytes(r.capacityBytes()), bytes(a.capacityBytes()));
    t.row("in use", bytes(r.usedBytes()) + " (" + percent(r.usedBytes(), r.capacityBytes()) + ")",
        bytes(a.usedBytes()) + " (" + percent(a.usedBytes(), a.capacityBytes()) + ")");
    t.row("records kept", r.records(), a.records());
    t.row("unsent", r.unackedRecords(), a.unackedRecords());
    t.row("oldest unsent", oldest(r), oldest(a));
    t.row("evicted unsent", r.evictedTotal() + " readings", a.evictedTotal() + " alarms");
    t.row("corrupt skipped", r.corruptRecords(), a.corruptRecords());
    long up = Math.max(1, runtime.uptimeMillis() / 1000);
    long written = r.bytesWritten() + a.bytesWritten();
    t.row("flash written", bytes(written) + " since start", up < 600 ? "per day: after 10 min of running"
        : bytes(written * 86_400 / up) + "/day at this rate");
    out.addAll(t.lines(WIDTH));
    return 0;
  }

  private String oldest(LaneStats l) {
    return l.oldestUnackedTime() < 0 ? "-" : duration(Math.max(0, clock.millis() / 1000 - l.oldestUnackedTime())) + " ago";
  }

  private int uplink(Caller caller, List<String> args, List<String> out) {
    Uplink.Stats u = runtime.uplinkStats();
    DeviceConfig c = runtime.config();
    long budget = c.getUplink().getDailyByteBudget();
    out.add(pad("broker", 13) + u.broker() + (c.getUplink().getBrokerUrisCount() > 1
        ? " (" + c.getUplink().getBrokerUrisCount() + " configured)" : ""));
    out.add(pad("state", 13) + linkLine(u));
    out.add(pad("last connect", 13) + (u.connectedAt() == 0 ? "never" : ago(u.connectedAt())));
    out.add(pad("backoff", 13) + (u.state() == Link.State.WAITING ? "next try in " + duration(u.retryInMillis() / 1000) : "-"));
    out.add(pad("today", 13) + bytes(u.bytesToday()) + (budget == 0 ? " (no daily budget)" : " of " + bytes(budget)
        + " budget (" + percent(u.bytesToday(), budget) + ")" + (u.overBudget() ? ", OVER: telemetry waits" : "")));
    out.add(pad("frames", 13) + u.framesSent() + " sent, " + u.framesAcked() + " acknowledged, " + u.inFlight() + " in flight"
        + (u.ackRttMillis() > 0 ? ", ack " + u.ackRttMillis() + " ms" : ""));
    out.add(pad("last error", 13) + (u.lastError().isEmpty() ? "none" : u.lastError()));
    return 0;
  }

  private int modem(Caller caller, List<String> args, List<String> out) {
    Map<String, String> m = modemValues(runtime.sampler());
    if (m.isEmpty()) {
      out.add("no modem sensor in the config: add sensors with driver MODEM and quantity reg, rsrp, rsrq, sinr or csq");
      return 1;
    }
    for (String name : List.of("registration", "RSRP", "RSRQ", "SINR", "CSQ")) {
      out.add(pad(name, 13) + m.getOrDefault(name, "not configured (add a MODEM sensor with quantity "
          + (name.equals("registration") ? "reg" : name.toLowerCase(Locale.ROOT)) + ")"));
    }
    out.add(pad("cell", 13) + "not read: the modem driver samples link values only");
    return 0;
  }

  private int ota(Caller caller, List<String> args, List<String> out) {
    if (args.size() != 1 || !args.get(0).equals("status")) {
      out.add("usage: ota status");
      return 2;
    }
    if (runtime.ota() == null) {
      out.add("updates are off in this run (no OTA agent started)");
      return 1;
    }
    for (String l : runtime.ota().describe()) {
      out.add(Table.cut(l, WIDTH));
    }
    return 0;
  }

  private int log(Caller caller, List<String> args, List<String> out) {
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
      out.add(Table.cut(l, WIDTH));
    }
    return 0;
  }

  private int audit(Caller caller, List<String> args, List<String> out) throws IOException {
    int n = args.isEmpty() ? 10 : Integer.parseInt(args.get(0));
    for (AuditLog.Entry e : service.recentAudit(n)) {
      out.add(Table.cut("#" + e.seq() + " " + e.time().toString().replace('T', ' ').replaceAll("\\.\\d+Z$", "Z") + " " + e.what(), WIDTH));
      out.add(Table.cut("    by " + e.who(), WIDTH));
    }
    return 0;
  }

  private int whoami(Caller caller, List<String> args, List<String> out) {
    out.add(caller.who());
    out.add(caller.mayChange() ? "  may read and change" : "  may read; to change, " + caller.howToChange());
    if (caller.staged().count() > 0) {
      out.add(caller.staged().count() + " config edits staged (config diff)");
    }
    return 0;
  }

  private int login(Caller caller, List<String> args, List<String> out) {
    if (!caller.interactive()) {
      out.add("login is for a person at a terminal; a remote command's key decides what it may do");
      return 2;
    }
    caller.login();
    return 0;
  }

  private int logout(Caller caller, List<String> args, List<String> out) {
    if (!caller.interactive()) {
      out.add("logout is for a person at a terminal");
      return 2;
    }
    caller.logout();
    return 0;
  }

  private int exit(Caller caller, List<String> args, List<String> out) {
    if (!caller.interactive()) {
      out.add("exit ends a terminal session; a remote command has none");
      return 2;
    }
    caller.exit();
    return 0;
  }

  // ------------------------------------------------------------------ commands that change

  private int restart(Caller caller, List<String> args, List<String> out) {
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
  void restartConfirmed(Caller caller, List<String> out) {
    service.audit(caller.who(), "restart");
    out.add("restarting Mast: readings stored so far are kept and sent after the restart");
    runtime.requestRestart("console, " + caller.who());
  }

  private int meter(Caller caller, List<String> args, List<String> out) throws IOException {
    if (args.size() != 3 || !args.get(0).equals("set-total")) {
      out.add("usage: meter set-total SENSOR VALUE, e.g. meter set-total water-meter 1234.5 (in the channel's unit)");
      return 2;
    }
    Optional<Sensor> sensor = sensor(args.get(1), out);
    if (sensor.isEmpty()) {
      return 2;
    }
    Sensor s = sensor.get();
    if (s.getDriver() != DriverKind.PULSE_METER) {
      out.add(s.getId() + " is a " + s.getDriver().name().toLowerCase(Locale.ROOT) + ", not a pulse meter; only pulse meters keep a total here");
      return 2;
    }
    BigDecimal value;
    try {
      value = new BigDecimal(args.get(2));
    } catch (NumberFormatException e) {
      out.add("'" + args.get(2) + "' is not a number; give the register in " + s.getUnit() + ", e.g. 1234.5");
      return 2;
    }
    BigDecimal pulses = value.multiply(BigDecimal.valueOf(s.getPulsesPerUnit()));
    if (value.signum() < 0 || pulses.stripTrailingZeros().scale() > 0) {
      out.add(value.toPlainString() + " " + s.getUnit() + " is not a whole number of pulses at " + s.getPulsesPerUnit()
          + " pulses per " + s.getUnit() + "; round it to the meter's last digit");
      return 2;
    }
    Optional<SensorDriver> driver = runtime.sensors() == null ? Optional.empty() : runtime.sensors().driverOf(s.getId());
    if (driver.isEmpty() || !(driver.get() instanceof PulseMeter)) {
      out.add(s.getId() + " is not sampled in this run; nothing to set");
      return 1;
    }
    long before;
    try {
      before = runtime.sampler().withDriver(driver.get(), d -> {
        PulseMeter m = (PulseMeter) d;
        long old = m.total();
        m.setTotal(pulses.longValueExact());
        return old;
      }).get(READ_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      out.add(s.getId() + ": setting the total failed: " + e.getCause().getMessage() + "; nothing changed");
      return 1;
    } catch (TimeoutException | InterruptedException e) {
      out.add(s.getId() + ": the meter was busy for " + READ_WAIT.toSeconds() + " s; try again");
      return 1;
    }
    String what = "meter set-total " + s.getId() + " " + before + " -> " + pulses.longValueExact() + " pulses ("
        + value.toPlainString() + " " + s.getUnit() + ")";
    service.audit(caller.who(), what);
    out.add(s.getId() + ": total " + before + " -> " + pulses.longValueExact() + " pulses (" + value.toPlainString() + " "
        + s.getUnit() + "), on flash");
    return 0;
  }

  private int config(Caller caller, List<String> args, List<String> out) throws IOException {
    if (args.isEmpty()) {
      out.add("usage: config show|get PATH|set PATH VALUE|diff|apply|discard; e.g. config get uplink.batch_window_s");
      return 2;
    }
    Staged staged = caller.staged();
    switch (args.get(0)) {
      case "show" -> {
        String json = args.size() > 1 ? valueAt(runtime.config(), args.get(1), out) : DeviceConfigs.toMaskedJson(runtime.config());
        if (json == null) {
          return 2;
        }
        for (String l : json.strip().split("\n")) {
          out.add(l);
        }
        return 0;
      }
      case "get" -> {
        if (args.size() != 2) {
          out.add("usage: config get PATH, e.g. config get sensors[pms].interval_s (Tab completes paths)");
          return 2;
        }
        String v = valueAt(staged.empty() ? runtime.config() : staged.edited, args.get(1), out);
        if (v == null) {
          return 2;
        }
        out.add(args.get(1) + " = " + v + (staged.empty() ? "" : "  (with the staged edits)"));
        return 0;
      }
      case "set" -> {
        if (args.size() < 3) {
          out.add("usage: config set PATH VALUE, e.g. config set sensors[pms].interval_s 30 (null removes a value)");
          return 2;
        }
        String value = String.join(" ", args.subList(2, args.size()));
        DeviceConfig from = staged.empty() ? runtime.config() : staged.edited;
        DeviceConfig next;
        try {
          next = DeviceConfigs.withValue(from, args.get(1), value);
        } catch (ConfigException e) {
          out.add("not staged: " + (e.problems().isEmpty() ? e.getMessage() : e.problems().get(0).toString()));
          return 2;
        }
        if (staged.empty()) {
          staged.base = runtime.config();
        }
        staged.edited = next;
        staged.edits.add(args.get(1));
        out.add("staged: " + args.get(1) + " = " + DeviceConfigs.valueAt(next, args.get(1)).strip()
            + " (" + staged.count() + " staged; config diff, then config apply)");
        return 0;
      }
      case "diff" -> {
        if (staged.empty()) {
          out.add("nothing staged; config set PATH VALUE stages an edit");
          return 0;
        }
        List<DeviceConfigs.Change> changes = DeviceConfigs.diff(runtime.config(), staged.edited);
        if (changes.isEmpty()) {
          out.add("the staged edits change nothing against the config in force");
        }
        changes.forEach(ch -> out.add(ch.toString()));
        return 0;
      }
      case "discard" -> {
        int n = staged.count();
        staged.clear();
        out.add(n == 0 ? "nothing was staged" : n + " staged edits dropped; nothing changed");
        return 0;
      }
      case "apply" -> {
        return apply(caller, staged, out);
      }
      default -> {
        out.add("config " + args.get(0) + "? it is config show|get|set|diff|apply|discard (help config)");
        return 2;
      }
    }
  }

  private String valueAt(DeviceConfig c, String path, List<String> out) {
    try {
      return DeviceConfigs.valueAt(c, path);
    } catch (ConfigException e) {
      out.add(e.getMessage() + " (Tab completes paths; config show lists them)");
      return null;
    }
  }

  private int apply(Caller caller, Staged staged, List<String> out) throws IOException {
    if (staged.empty()) {
      out.add("nothing staged; config set PATH VALUE stages an edit");
      return 2;
    }
    DeviceConfig current = runtime.config();
    if (staged.base.getVersion() != current.getVersion()) {
      out.add("the config changed to version " + Long.toUnsignedString(current.getVersion()) + " since you began (a platform push);"
          + " config discard, then make the edits again");
      return 1;
    }
    List<DeviceConfigs.Change> changes = DeviceConfigs.diff(current, staged.edited);
    if (changes.isEmpty()) {
      staged.clear();
      out.add("the staged edits change nothing; nothing applied");
      return 0;
    }
    long version = runtime.configAgent().nextVersion();
    DeviceConfig next = staged.edited.toBuilder().setVersion(version).build();
    List<Problem> errors = DeviceConfigs.validate(next, Validation.Mode.DEVICE).stream().filter(Problem::isError).toList();
    if (!errors.isEmpty()) {
      out.add("not applied; fix these first (config set, or config discard):");
      errors.forEach(p -> out.add("  " + p));
      return 1;
    }
    boolean guarded = changes.stream().anyMatch(ch -> ch.path().startsWith("uplink") || ch.path().startsWith("trust")
        || ch.path().startsWith("identity"));
    int grace = guarded ? ConfigSetMessage.DEFAULT_GRACE_S : 0;
    ConfigAckMessage ack;
    try {
      ack = runtime.configAgent().submit(next, ConfigAckMessage.CONSOLE, grace).get(APPLY_WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      out.add("the config agent did not answer within " + APPLY_WAIT.toSeconds() + " s; type status to see the version in force");
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
    staged.clear();
    String changed = String.join(", ", changes.stream().map(DeviceConfigs.Change::path).toList());
    if (ack.result() != ConfigAckMessage.Result.APPLIED) {
      service.audit(caller.who(), "config apply version " + Long.toUnsignedString(version) + " refused: " + String.join("; ", ack.errors()));
      out.add("not applied: " + String.join("; ", ack.errors()));
      return 1;
    }
    service.audit(caller.who(), "config apply version " + Long.toUnsignedString(version) + ": changed " + changed);
    out.add("applied as version " + Long.toUnsignedString(version) + ": changed " + changed);
    ack.warnings().forEach(w -> out.add("  warning: " + w));
    if (guarded) {
      out.add("the link settings changed: it goes back by itself in " + grace / 60 + " min unless the broker confirms it");
    }
    out.add("the platform is told (origin console) when the link is up");
    return 0;
  }

  // ------------------------------------------------------------------ helpers

  private Optional<Sensor> sensor(String id, List<String> out) {
    Optional<Sensor> s = runtime.config().getSensorsList().stream().filter(x -> x.getId().equals(id)).findFirst();
    if (s.isEmpty()) {
      out.add("no sensor '" + id + "'; the sensors are " + String.join(" ", runtime.config().getSensorsList().stream().map(Sensor::getId).toList()));
    }
    return s;
  }

  private String firstSensor() {
    return runtime.config().getSensorsCount() == 0 ? "SENSOR" : runtime.config().getSensors(0).getId();
  }

  /** A mantissa as the channel's decimal value with its unit: 725 at exponent -2 is "7.25 pH". */
  static String value(long mantissa, Sensor s) {
    BigDecimal v = BigDecimal.valueOf(mantissa, -s.getExponent());
    return v.toPlainString() + (s.getUnit().isEmpty() ? "" : " " + s.getUnit());
  }

  private String ago(long epochMillis) {
    return duration(Math.max(0, (clock.millis() - epochMillis) / 1000)) + " ago";
  }

  static String duration(long seconds) {
    if (seconds < 60) {
      return seconds + " s";
    }
    if (seconds < 3600) {
      return seconds / 60 + " min " + seconds % 60 + " s";
    }
    if (seconds < 86_400) {
      return seconds / 3600 + " h " + seconds % 3600 / 60 + " min";
    }
    return seconds / 86_400 + " d " + seconds % 86_400 / 3600 + " h";
  }

  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    if (n < 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
    }
    if (n < 1024L * 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f MiB", n / 1048576.0);
    }
    return String.format(Locale.ROOT, "%.1f GiB", n / 1073741824.0);
  }

  private static String percent(long part, long whole) {
    return whole <= 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", 100.0 * part / whole);
  }

  private static String pad(String s, int w) {
    return s.length() >= w ? s + " " : s + " ".repeat(w - s.length());
  }
}

package io.mast.config;

import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.mast.config.model.AlarmRule;
import io.mast.config.model.DeviceConfig;
import io.mast.config.model.DriverKind;
import io.mast.config.model.FieldSpec;
import io.mast.config.model.Sensor;
import io.mast.config.model.TrustedKey;
import io.mast.config.model.Uplink;
import io.mast.protocol.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One validation run over a config: first the rules every field's {@code spec} states
 * (required, range, known enum value), then the rules that span fields. Collects every problem
 * instead of stopping at the first, so a technician or a platform engineer fixes all at once.
 */
public final class Validation {
  /** Where the config is checked, which decides whether missing device files are errors. */
  public enum Mode {
    /** On another machine (a laptop, the platform): files that must exist on the pole are warnings. */
    DRY_RUN,
    /** On the pole itself, before applying: missing files are errors. */
    DEVICE
  }

  /** Longest topic prefix: with a 64-character device id and a kind, a topic stays far below the uplink's 512-byte cap. */
  static final int MAX_TOPIC_PREFIX = 128;

  /** Groups a pole may belong to: each is one more subscription, and its topic a few more bytes at connect. */
  static final int MAX_GROUPS = 16;
  private static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private final DeviceConfig config;
  private final Mode mode;
  private final List<Problem> problems = new ArrayList<>();
  private final MeterRules meterRules = new MeterRules();
  /** The config with defaults filled in, for rules that depend on a default (board, console port). */
  private final DeviceConfig effective;

  Validation(DeviceConfig config, Mode mode) {
    this.config = config;
    this.effective = DeviceConfigs.effective(config);
    this.mode = mode;
  }

  List<Problem> run() {
    fields("", config);
    identity();
    board();
    sensors();
    uplink();
    alarms();
    trustedKeys();
    List<Problem> sorted = new ArrayList<>(problems);
    sorted.sort(java.util.Comparator.comparing((Problem p) -> !p.isError()).thenComparingInt(Validation::documentOrder));
    return sorted;
  }

  /** Position of a problem's top-level section in the config, so problems read top to bottom. */
  private static int documentOrder(Problem p) {
    String top = p.path().split("[.\\[]", 2)[0];
    var field = DeviceConfig.getDescriptor().findFieldByName(top);
    return field == null ? Integer.MAX_VALUE : field.getIndex();
  }

  private void error(String path, String message) {
    problems.add(Problem.error(path, message));
  }

  // Rules stated by each field's spec.

  private void fields(String prefix, Message message) {
    for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
      String path = ConfigPaths.join(prefix, field.getName());
      FieldSpec spec = FieldSpecs.of(field);
      if (field.isRepeated()) {
        if (spec.getRequired() && message.getRepeatedFieldCount(field) == 0) {
          error(path, "needs at least one entry");
        }
        for (int i = 0; i < message.getRepeatedFieldCount(field); i++) {
          Object element = message.getRepeatedField(field, i);
          if (element instanceof Message m) {
            fields(path + "[" + i + "]", m);
          } else {
            scalar(path + "[" + i + "]", field, spec, element, true);
          }
        }
      } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        if (message.hasField(field)) {
          fields(path, (Message) message.getField(field));
        } else if (spec.getRequired()) {
          error(path, "is required");
        }
      } else {
        scalar(path, field, spec, message.getField(field), DeviceConfigs.isSet(message, field));
      }
    }
  }

  private void scalar(String path, FieldDescriptor field, FieldSpec spec, Object value, boolean set) {
    if (value instanceof EnumValueDescriptor e) {
      if (e.getIndex() < 0 || e.getNumber() == 0 && spec.getRequired()) {
        error(path, e.getNumber() + " is not one of " + String.join(", ", FieldSpecs.enumNames(field)));
      }
      return;
    }
    boolean numeric = value instanceof Integer || value instanceof Long;
    if (!set) {
      if (!spec.getDefault().isEmpty() || !spec.getRequired()) {
        return; // takes its default, or is optional
      }
      if (!numeric) {
        error(path, "is required");
        return;
      }
      // an unset required number is 0: its range says what is allowed
    }
    if (numeric) {
      long v = unsigned(field, ((Number) value).longValue());
      if (spec.hasMin() && v < spec.getMin()) {
        error(path, v + " is below the minimum " + spec.getMin());
      } else if (spec.hasMax() && v > spec.getMax()) {
        error(path, v + " is above the maximum " + spec.getMax());
      }
    }
  }

  private static long unsigned(FieldDescriptor field, long v) {
    return switch (field.getType()) {
      case UINT32, FIXED32 -> v & 0xFFFF_FFFFL;
      case UINT64, FIXED64 -> v < 0 ? Long.MAX_VALUE : v;
      default -> v;
    };
  }

  // Rules that span fields.

  private void identity() {
    String id = config.getIdentity().getDeviceId();
    if (!id.isEmpty() && !DEVICE_ID.matcher(id).matches()) {
      error("identity.device_id", ConfigJson.quote(id, '\'') + " is not allowed: use 1 to 64 letters, digits, '.', '_' or '-'");
    }
    Set<String> groups = new java.util.HashSet<>();
    List<String> list = config.getIdentity().getGroupsList();
    if (list.size() > MAX_GROUPS) {
      error("identity.groups", list.size() + " groups; a pole belongs to at most " + MAX_GROUPS);
    }
    for (int i = 0; i < list.size(); i++) {
      String g = list.get(i);
      if (!DEVICE_ID.matcher(g).matches()) {
        error("identity.groups[" + i + "]", ConfigJson.quote(g, '\'') + " is not allowed: use 1 to 64 letters, digits, '.', '_' or '-'");
      } else if (!groups.add(g)) {
        error("identity.groups[" + i + "]", ConfigJson.quote(g, '\'') + " is listed twice");
      }
    }
  }

  /** The board is pi or sim, and only a simulated board has {@code sim:} ports (and all its ports are). */
  private void board() {
    String board = effective.getBoard();
    if (!board.equals("pi") && !board.equals("sim")) {
      error("board", ConfigJson.quote(board, '\'') + " is not a board: use pi or sim");
      return;
    }
    boolean sim = board.equals("sim");
    for (int i = 0; i < config.getSensorsCount(); i++) {
      String bus = config.getSensors(i).getBus();
      if (!bus.isEmpty() && bus.startsWith("sim:") != sim) {
        error("sensors[" + i + "].bus", ConfigJson.shown(bus) + (sim ? " is not a simulated port (sim:NAME) but the board is sim"
            : " is a simulated port but the board is " + board + "; set \"board\": \"sim\""));
      }
    }
    String console = effective.getConsole().getSerialPort();
    if (!console.isEmpty() && console.startsWith("sim:") && !sim) {
      error("console.serial_port", ConfigJson.shown(console) + " is a simulated port but the board is " + board);
    }
  }

  private void sensors() {
    Map<String, Integer> ids = new HashMap<>();
    Map<String, Integer> channels = new HashMap<>();
    Map<Integer, Integer> pins = new HashMap<>();
    Map<String, String> busOwners = new HashMap<>();
    Map<String, Integer> sources = new HashMap<>();
    String console = effective.getConsole().getSerialPort();
    if (!console.isEmpty()) {
      busOwners.put(console, "console.serial_port (console)");
    }
    for (int i = 0; i < config.getSensorsCount(); i++) {
      Sensor s = config.getSensors(i);
      String at = "sensors[" + i + "]";
      unique(ids, s.getId(), at + ".id", i);
      unique(channels, s.getChannel(), at + ".channel", i);
      DriverKind kind = s.getDriver();
      if (kind == DriverKind.PULSE_METER) {
        if (!s.hasGpioPin()) {
          error(at + ".gpio_pin", "is required for a pulse_meter");
        } else {
          Integer other = pins.putIfAbsent(s.getGpioPin(), i);
          if (other != null) {
            error(at + ".gpio_pin", s.getGpioPin() + " is already claimed by sensors[" + other + "]");
          }
        }
      } else if (kind != DriverKind.DRIVER_KIND_UNSPECIFIED && kind != DriverKind.UNRECOGNIZED) {
        serialBus(s, at, i, busOwners, sources);
      }
    }
  }

  private void unique(Map<String, Integer> seen, String value, String path, int index) {
    if (value.isEmpty()) {
      return;
    }
    Integer other = seen.putIfAbsent(value, index);
    if (other != null) {
      error(path, ConfigJson.quote(value, '\'') + " is already used by sensors[" + other + "]");
    }
  }

  /** Quantities each multi-value driver can deliver; the others take none. */
  private static final Map<DriverKind, Set<String>> QUANTITIES = Map.of(
      DriverKind.PMS5003, Set.of("pm1_0", "pm2_5", "pm10"),
      DriverKind.MHZ19, Set.of("co2", "temperature"),
      DriverKind.MODEM, Set.of("reg", "rsrp", "rsrq", "sinr", "csq"),
      DriverKind.MBUS, Set.of("volume", "flow", "energy", "power"),
      DriverKind.CJT188, MeterRules.CJT188_UNITS.keySet(),
      DriverKind.DLT645, MeterRules.DLT645_UNITS.keySet());

  /**
   * A serial port carries one kind of driver: several Modbus slaves (RS-485 is multi-drop), several
   * M-Bus meters, or one UART device whose quantities several sensors read (PM2.5 and PM10 of one
   * PMS5003). Each (port, address, register or quantity) is read by one sensor only, and the
   * console's port is nobody else's.
   */
  private void serialBus(Sensor s, String at, int i, Map<String, String> owners, Map<String, Integer> sources) {
    String bus = s.getBus();
    String kind = s.getDriver().name().toLowerCase(Locale.ROOT);
    if (bus.isEmpty()) {
      error(at + ".bus", "is required for a " + kind + " sensor (a serial port such as /dev/ttyUSB0)");
      return;
    }
    String owner = owners.putIfAbsent(bus, at + " (" + kind + ")");
    if (owner != null && !owner.endsWith("(" + kind + ")")) {
      error(at + ".bus", ConfigJson.shown(bus) + " is already claimed by " + owner);
      return;
    }
    String source;
    if (s.getDriver() == DriverKind.MODBUS_RTU) {
      if (s.getAddress() < 1 || s.getAddress() > 247) {
        error(at + ".address", s.getAddress() + " is not a Modbus slave id 1..247");
      }
      if (!s.hasRegister()) {
        error(at + ".register", "is required for a modbus_rtu sensor");
      }
      source = "slave " + s.getAddress() + " register " + s.getRegister().getRegister();
    } else {
      Set<String> allowed = QUANTITIES.get(s.getDriver());
      if (!allowed.contains(s.getQuantity())) {
        error(at + ".quantity", ConfigJson.quote(s.getQuantity(), '\'') + " is not one of " + String.join(", ", new java.util.TreeSet<>(allowed)) + " for " + kind);
      }
      source = (s.getDriver() == DriverKind.MBUS ? "address " + s.getAddress() + " " : "") + s.getQuantity();
      if (s.getDriver() == DriverKind.CJT188 || s.getDriver() == DriverKind.DLT645) {
        problems.addAll(meterRules.check(s, at));
        source = "meter " + s.getMeter().getAddress().toUpperCase(Locale.ROOT) + " " + s.getQuantity();
      }
    }
    Integer other = sources.putIfAbsent(bus + " " + source, i);
    if (other != null) {
      error(at, source + " on " + ConfigJson.shown(bus) + " is already read by sensors[" + other + "]");
    }
  }

  private void uplink() {
    Uplink u = config.getUplink();
    for (int i = 0; i < u.getBrokerUrisCount(); i++) {
      int at = i;
      BrokerUri.refusal(u.getBrokerUris(i)).ifPresent(r -> error("uplink.broker_uris[" + at + "]", r));
    }
    if (!u.getPassword().isEmpty() && !u.getPasswordFile().isEmpty()) {
      error("uplink.password", "give password or password_file, not both");
    }
    if (!u.getTlsCertFile().isEmpty() && u.getTlsKeyFile().isEmpty()) {
      error("uplink.tls_key_file", "is required when tls_cert_file is set");
    }
    if (u.getTopicPrefix().length() > MAX_TOPIC_PREFIX) {
      error("uplink.topic_prefix", "is " + u.getTopicPrefix().length() + " characters; at most " + MAX_TOPIC_PREFIX
          + " (every publish pays for its topic on the air)");
    } else if (!u.getTopicPrefix().isEmpty()) {
      try {
        Topics.withPrefix(u.getTopicPrefix());
      } catch (IllegalArgumentException e) {
        error("uplink.topic_prefix", ConfigJson.escaped(e.getMessage()));
      }
    }
    deviceFile("uplink.tls_ca_file", u.getTlsCaFile());
    deviceFile("uplink.tls_cert_file", u.getTlsCertFile());
    deviceFile("uplink.tls_key_file", u.getTlsKeyFile());
    deviceFile("uplink.password_file", u.getPasswordFile());
  }

  private void deviceFile(String path, String file) {
    try {
      if (file.isEmpty() || Files.isRegularFile(Path.of(file))) {
        return;
      }
    } catch (java.nio.file.InvalidPathException e) {
      error(path, ConfigJson.quote(file, '\'') + " is not a path");
      return;
    }
    String message = ConfigJson.shown(file) + " does not exist on this machine";
    problems.add(mode == Mode.DEVICE ? Problem.error(path, message) : Problem.warning(path, message));
  }

  private void alarms() {
    Set<String> names = new java.util.HashSet<>();
    config.getSensorsList().forEach(s -> names.add(s.getChannel()));
    for (int i = 0; i < config.getAlarmsCount(); i++) {
      AlarmRule rule = config.getAlarms(i);
      String at = "alarms[" + i + "]";
      if (!rule.getChannel().isEmpty() && !names.contains(rule.getChannel())) {
        error(at + ".channel", ConfigJson.quote(rule.getChannel(), '\'') + " is not the channel of any sensor");
      }
      if (!rule.hasAbove() && !rule.hasBelow()) {
        error(at, "needs a threshold: above, below or both");
      }
      if (rule.hasAbove() && rule.hasBelow() && rule.getBelow() >= rule.getAbove()) {
        error(at + ".below", rule.getBelow() + " must be below above " + rule.getAbove());
      }
    }
  }

  private void trustedKeys() {
    Map<String, Integer> ids = new HashMap<>();
    for (int i = 0; i < config.getTrust().getKeysCount(); i++) {
      TrustedKey key = config.getTrust().getKeys(i);
      String at = "trust.keys[" + i + "]";
      if (!key.getEd25519Public().isEmpty() && key.getEd25519Public().size() != 32) {
        error(at + ".ed25519_public", key.getEd25519Public().size() + " bytes; an Ed25519 public key is 32");
      }
      Integer other = ids.putIfAbsent(key.getKeyId(), i);
      if (other != null && !key.getKeyId().isEmpty()) {
        error(at + ".key_id", ConfigJson.quote(key.getKeyId(), '\'') + " is already used by trust.keys[" + other + "]");
      }
    }
  }
}

package io.mast.runtime.console;

import static io.mast.runtime.console.Text.bytes;
import static io.mast.runtime.console.Text.duration;
import static io.mast.runtime.console.Text.pad;
import static io.mast.runtime.console.Text.percent;

import io.mast.config.model.DeviceConfig;
import io.mast.config.model.DriverKind;
import io.mast.config.model.Sensor;
import io.mast.runtime.core.Pole;
import io.mast.runtime.sampling.Sampler;
import io.mast.runtime.uplink.Link;
import io.mast.runtime.uplink.Uplink;
import io.mast.store.LaneStats;
import io.mast.store.StoreStats;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The console's screens of the pole as a whole: {@code status} (the pole on one screen),
 * {@code store}, {@code uplink} and {@code modem}. They only read the runtime's figures.
 */
final class PoleScreens {
  private final Pole runtime;
  private final ConsoleService service;
  private final Clock clock;

  PoleScreens(Pole runtime, ConsoleService service, Clock clock) {
    this.runtime = runtime;
    this.service = service;
    this.clock = clock;
  }

  int status(Shell.Caller caller, List<String> args, List<String> out) throws IOException {
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
    var guard = service.configAgent() == null ? null : service.configAgent().guard();
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
      case CONNECTED -> "connected to " + u.broker() + " since " + Text.ago(clock, u.connectedAt());
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
          out.put(name, sampler == null || sampler.lastAt(i) == 0 ? "-"
              : Text.value(sampler.last(i), s) + (q.equals("reg") ? " (" + reg(sampler.last(i)) + ")" : ""));
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

  int store(Shell.Caller caller, List<String> args, List<String> out) throws IOException {
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
    out.addAll(t.lines(Shell.WIDTH));
    return 0;
  }

  private String oldest(LaneStats l) {
    return l.oldestUnackedTime() < 0 ? "-" : duration(Math.max(0, clock.millis() / 1000 - l.oldestUnackedTime())) + " ago";
  }

  int uplink(Shell.Caller caller, List<String> args, List<String> out) {
    Uplink.Stats u = runtime.uplinkStats();
    DeviceConfig c = runtime.config();
    long budget = c.getUplink().getDailyByteBudget();
    out.add(pad("broker", 13) + u.broker() + (c.getUplink().getBrokerUrisCount() > 1
        ? " (" + c.getUplink().getBrokerUrisCount() + " configured)" : ""));
    out.add(pad("state", 13) + linkLine(u));
    out.add(pad("last connect", 13) + (u.connectedAt() == 0 ? "never" : Text.ago(clock, u.connectedAt())));
    out.add(pad("backoff", 13) + (u.state() == Link.State.WAITING ? "next try in " + duration(u.retryInMillis() / 1000) : "-"));
    out.add(pad("today", 13) + bytes(u.bytesToday()) + (budget == 0 ? " (no daily budget)" : " of " + bytes(budget)
        + " budget (" + percent(u.bytesToday(), budget) + ")" + (u.overBudget() ? ", OVER: telemetry waits" : "")));
    out.add(pad("frames", 13) + u.framesSent() + " sent, " + u.framesAcked() + " acknowledged, " + u.inFlight() + " in flight"
        + (u.ackRttMillis() > 0 ? ", ack " + u.ackRttMillis() + " ms" : ""));
    out.add(pad("last error", 13) + (u.lastError().isEmpty() ? "none" : u.lastError()));
    return 0;
  }

  int modem(Shell.Caller caller, List<String> args, List<String> out) {
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
}

package io.mast.runtime.console;

import io.mast.config.model.DeviceConfig;
import io.mast.config.model.DriverKind;
import io.mast.config.model.Sensor;
import io.mast.drivers.ChannelValue;
import io.mast.drivers.PulseMeter;
import io.mast.drivers.Sample;
import io.mast.drivers.SensorDriver;
import io.mast.runtime.core.Pole;
import io.mast.runtime.sampling.Sampler;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The console's sensor commands: {@code sensors} (each one's last value, age and errors),
 * {@code read} (sample one now, not stored), {@code watch} (live values) and the one that changes
 * a sensor, {@code meter set-total} (a pulse meter's total set to its mechanical register,
 * audited). Reads and the set go through the sampler's thread, never around it.
 */
final class SensorCommands {
  /** How long {@code read} waits for a driver (the slowest, M-Bus, answers within 3 s). */
  static final java.time.Duration READ_WAIT = java.time.Duration.ofSeconds(10);

  private final Pole runtime;
  private final ConsoleService service;
  private final Clock clock;

  SensorCommands(Pole runtime, ConsoleService service, Clock clock) {
    this.runtime = runtime;
    this.service = service;
    this.clock = clock;
  }

  /** The sensor ids, for completion. */
  List<String> ids() {
    return runtime.config().getSensorsList().stream().map(Sensor::getId).toList();
  }

  int sensors(Shell.Caller caller, List<String> args, List<String> out) {
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
      t.row(s.getId(), driver, at == 0 ? "-" : Text.value(sampler.last(i), s), at == 0 ? "-" : Text.ago(clock, at * 1000),
          sampler.ok(i), sampler.errors(i), status);
    }
    out.addAll(t.lines(Shell.WIDTH));
    return 0;
  }

  int read(Shell.Caller caller, List<String> args, List<String> out) {
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
    out.add(args.get(0) + " = " + Text.value(v.mantissa(), sensor.get()) + "  (" + sensor.get().getChannel() + ", now; not stored)");
    return 0;
  }

  int watch(Shell.Caller caller, List<String> args, List<String> out) {
    if (!caller.interactive()) {
      out.add("watch is live and needs a terminal; use sensors or read SENSOR here");
      return 2;
    }
    for (String id : args) {
      if (sensor(id, out).isEmpty()) {
        return 2;
      }
    }
    caller.watch(args.isEmpty() ? ids() : args);
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
          b.append("  ").append(id).append(' ').append(sampler == null || sampler.lastAt(i) == 0 ? "-" : Text.value(sampler.last(i), s));
        }
      }
    }
    return Table.cut(b.toString(), Shell.WIDTH);
  }

  int meter(Shell.Caller caller, List<String> args, List<String> out) throws IOException {
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

  private Optional<Sensor> sensor(String id, List<String> out) {
    Optional<Sensor> s = runtime.config().getSensorsList().stream().filter(x -> x.getId().equals(id)).findFirst();
    if (s.isEmpty()) {
      out.add("no sensor '" + id + "'; the sensors are " + String.join(" ", ids()));
    }
    return s;
  }

  private String firstSensor() {
    return runtime.config().getSensorsCount() == 0 ? "SENSOR" : runtime.config().getSensors(0).getId();
  }
}

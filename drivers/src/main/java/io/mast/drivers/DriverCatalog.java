package io.mast.drivers;

import io.mast.config.DeviceConfigs;
import io.mast.config.model.DeviceConfig;
import io.mast.config.model.DriverKind;
import io.mast.config.model.ModbusRegister;
import io.mast.config.model.Sensor;
import io.mast.config.model.WordOrder;
import io.mast.config.model.Meter;
import io.mast.config.model.MeterType;
import io.mast.drivers.codec.Cjt188;
import io.mast.drivers.codec.Dlt645;
import io.mast.drivers.codec.MeterUnit;
import io.mast.drivers.internal.Cjt188Driver;
import io.mast.drivers.internal.Dlt645Driver;
import io.mast.drivers.internal.MBusDriver;
import io.mast.drivers.internal.Mhz19Driver;
import io.mast.drivers.internal.ModbusRtuDriver;
import io.mast.drivers.internal.ModemDriver;
import io.mast.drivers.internal.Pms5003Driver;
import io.mast.seams.PoleThreads;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the drivers of a pole from the {@code sensors} section of its (validated) device config.
 *
 * <p>A serial port is owned by one driver: every sensor entry on the same port becomes a channel of
 * that driver (PM2.5 and PM10 of one PMS5003, all Modbus slaves of one RS-485 bus, all M-Bus meters
 * of one bus). A pulse meter is a driver of its own. Drivers come out in the order their first
 * sensor appears in the config, not yet opened. Default line speeds are the devices' own: 9600 for
 * UART sensors and Modbus, 2400 with even parity for M-Bus, CJ/T 188 and DL/T 645 meters, 115200
 * for the modem.
 */
public final class DriverCatalog {
  private DriverCatalog() {}

  /** Where pulse meters keep their totals: {@code meters/} beside the store directory. */
  public static Path meterDir(DeviceConfig config) {
    Path store = Path.of(DeviceConfigs.effective(config).getStore().getDir()).toAbsolutePath();
    return store.resolveSibling("meters");
  }

  /** The journal file of pulse meter {@code sensorId}. */
  public static Path journalFile(Path meterDir, String sensorId) {
    return meterDir.resolve(sensorId + ".pulses");
  }

  public static List<SensorDriver> build(DeviceConfig config, Buses buses, Path meterDir) {
    List<SensorDriver> drivers = new ArrayList<>();
    for (List<Sensor> sensors : devices(config).values()) {
      drivers.add(build(sensors, buses, meterDir));
    }
    return drivers;
  }

  /**
   * The config's sensors (with their defaults) by the device they are wired to, in config
   * order: a GPIO pin ({@code "gpio:N"}) or a serial port. One driver serves each device; a
   * device whose list is equal in two configs needs no restart between them.
   */
  public static Map<String, List<Sensor>> devices(DeviceConfig config) {
    Map<String, List<Sensor>> devices = new LinkedHashMap<>();
    for (Sensor s : DeviceConfigs.effective(config).getSensorsList()) {
      String device = s.getDriver() == DriverKind.PULSE_METER ? "gpio:" + s.getGpioPin() : s.getBus();
      devices.computeIfAbsent(device, k -> new ArrayList<>()).add(s);
    }
    return devices;
  }

  /** The driver of one device's sensors (a list of {@link #devices}); nothing is opened yet. */
  public static SensorDriver build(List<Sensor> sensors, Buses buses, Path meterDir) {
    return build(sensors, buses, meterDir, null);
  }

  /**
   * The driver of one device's sensors, its background work (a pulse meter's checkpoints) on a
   * queue of {@code threads} when given, else on a thread of its own.
   */
  public static SensorDriver build(List<Sensor> sensors, Buses buses, Path meterDir, PoleThreads threads) {
    Sensor first = sensors.get(0);
    if (first.getDriver() != DriverKind.PULSE_METER) {
      return serial(buses, sensors);
    }
    PulseMeter.Builder b = PulseMeter.builder(buses, ChannelSpec.of(first), first.getGpioPin(), journalFile(meterDir, first.getId()))
        .pulsesPerUnit(first.getPulsesPerUnit()).nanoClock(buses.gpioClock());
    if (threads != null) {
      b.checkpoints(threads.serial("pulse-checkpoint-" + first.getGpioPin(), Integer.MAX_VALUE));
    }
    return b.build();
  }

  /**
   * The line settings of a serial sensor: its configured speed or the device's own (9600 for UART
   * sensors and Modbus, 2400 for the meter buses, 115200 for the modem), 8E1 for M-Bus, CJ/T 188
   * and DL/T 645, 8N1 otherwise.
   */
  public static SerialSettings serialSettings(Sensor sensor) {
    switch (sensor.getDriver()) {
      case MBUS:
      case CJT188:
      case DLT645:
        return SerialSettings.of8E1(sensor.hasBaud() ? sensor.getBaud() : 2400);
      case MODEM:
        return SerialSettings.of8N1(sensor.hasBaud() ? sensor.getBaud() : 115_200);
      default:
        return SerialSettings.of8N1(sensor.hasBaud() ? sensor.getBaud() : 9600);
    }
  }

  private static SensorDriver serial(Buses buses, List<Sensor> sensors) {
    Sensor first = sensors.get(0);
    String port = first.getBus();
    int baud = serialSettings(first).baud();
    List<ChannelSpec> specs = sensors.stream().map(ChannelSpec::of).toList();
    switch (first.getDriver()) {
      case PMS5003:
        return new Pms5003Driver(buses, port, baud, specs);
      case MHZ19:
        return new Mhz19Driver(buses, port, baud, specs);
      case MODEM:
        return new ModemDriver(buses, port, baud, specs);
      case MBUS:
        return new MBusDriver(buses, port, baud, specs, sensors.stream().map(Sensor::getAddress).toList());
      case MODBUS_RTU:
        return new ModbusRtuDriver(buses, port, baud, sensors.stream().map(DriverCatalog::point).toList());
      case CJT188:
        return new Cjt188Driver(buses, port, baud, sensors.stream().map(DriverCatalog::cjt188Point).toList());
      case DLT645:
        return new Dlt645Driver(buses, port, baud, sensors.stream().map(DriverCatalog::dlt645Point).toList());
      default:
        throw new IllegalArgumentException("sensor " + first.getId() + " has no driver kind; validate the config first");
    }
  }

  static Cjt188Driver.MeterPoint cjt188Point(Sensor s) {
    Meter m = s.getMeter();
    int type = m.getType() == MeterType.METER_TYPE_UNSPECIFIED ? Cjt188.COLD_WATER : m.getTypeValue();
    return new Cjt188Driver.MeterPoint(ChannelSpec.of(s), m.getAddress().toUpperCase(java.util.Locale.ROOT), type,
        s.getQuantity(), MeterUnit.ofSymbol(s.getUnit()).orElse(null), m.hasTamperBit() ? m.getTamperBit() : -1, m.getDiHighFirst());
  }

  static Dlt645Driver.MeterPoint dlt645Point(Sensor s) {
    Dlt645.Item item = Dlt645.Item.ofQuantity(s.getQuantity()).orElseThrow(() ->
        new IllegalArgumentException("sensor " + s.getId() + ": dlt645 has no quantity '" + s.getQuantity() + "'; validate the config first"));
    return new Dlt645Driver.MeterPoint(ChannelSpec.of(s), s.getMeter().getAddress().toUpperCase(java.util.Locale.ROOT), item,
        MeterUnit.ofSymbol(s.getUnit()).orElse(null));
  }

  static ModbusRtuDriver.ModbusPoint point(Sensor s) {
    ModbusRegister r = s.getRegister();
    return new ModbusRtuDriver.ModbusPoint(ChannelSpec.of(s), s.getAddress(), r.getFunction(), r.getRegister(),
        r.getWidthBits() == 32, r.getSigned(), r.getWordOrder() == WordOrder.LITTLE_ENDIAN_WORDS);
  }
}

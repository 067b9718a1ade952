package io.mast.drivers;

import io.mast.config.DeviceConfigs;
import io.mast.config.model.DeviceConfig;
import io.mast.config.model.DriverKind;
import io.mast.config.model.ModbusRegister;
import io.mast.config.model.Sensor;
import io.mast.config.model.WordOrder;
import io.mast.drivers.internal.MBusDriver;
import io.mast.drivers.internal.Mhz19Driver;
import io.mast.drivers.internal.ModbusRtuDriver;
import io.mast.drivers.internal.ModemDriver;
import io.mast.drivers.internal.Pms5003Driver;
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
 * UART sensors and Modbus, 2400 for M-Bus, 115200 for the modem.
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
    DeviceConfig effective = DeviceConfigs.effective(config);
    Map<String, List<Sensor>> byPort = new LinkedHashMap<>();
    List<SensorDriver> drivers = new ArrayList<>();
    Map<String, Integer> slot = new LinkedHashMap<>();
    for (Sensor s : effective.getSensorsList()) {
      if (s.getDriver() == DriverKind.PULSE_METER) {
        drivers.add(PulseMeter.builder(buses, ChannelSpec.of(s), s.getGpioPin(), journalFile(meterDir, s.getId()))
            .pulsesPerUnit(s.getPulsesPerUnit()).nanoClock(buses.gpioClock()).build());
      } else {
        byPort.computeIfAbsent(s.getBus(), k -> {
          slot.put(k, drivers.size());
          drivers.add(null);
          return new ArrayList<>();
        }).add(s);
      }
    }
    for (Map.Entry<String, List<Sensor>> e : byPort.entrySet()) {
      drivers.set(slot.get(e.getKey()), serial(buses, e.getKey(), e.getValue()));
    }
    return drivers;
  }

  private static SensorDriver serial(Buses buses, String port, List<Sensor> sensors) {
    Sensor first = sensors.get(0);
    List<ChannelSpec> specs = sensors.stream().map(ChannelSpec::of).toList();
    switch (first.getDriver()) {
      case PMS5003:
        return new Pms5003Driver(buses, port, baud(first, 9600), specs);
      case MHZ19:
        return new Mhz19Driver(buses, port, baud(first, 9600), specs);
      case MODEM:
        return new ModemDriver(buses, port, baud(first, 115_200), specs);
      case MBUS:
        return new MBusDriver(buses, port, baud(first, 2400), specs,
            sensors.stream().map(Sensor::getAddress).toList());
      case MODBUS_RTU:
        return new ModbusRtuDriver(buses, port, baud(first, 9600), sensors.stream().map(DriverCatalog::point).toList());
      default:
        throw new IllegalArgumentException("sensor " + first.getId() + " has no driver kind; validate the config first");
    }
  }

  static ModbusRtuDriver.ModbusPoint point(Sensor s) {
    ModbusRegister r = s.getRegister();
    return new ModbusRtuDriver.ModbusPoint(ChannelSpec.of(s), s.getAddress(), r.getFunction(), r.getRegister(),
        r.getWidthBits() == 32, r.getSigned(), r.getWordOrder() == WordOrder.LITTLE_ENDIAN_WORDS);
  }

  private static int baud(Sensor s, int deviceDefault) {
    return s.hasBaud() ? s.getBaud() : deviceDefault;
  }
}

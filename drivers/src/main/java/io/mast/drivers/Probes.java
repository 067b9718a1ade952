package io.mast.drivers;

import io.mast.drivers.internal.Mhz19Driver;
import io.mast.drivers.internal.ModbusRtuDriver;
import io.mast.drivers.internal.ModemDriver;
import io.mast.drivers.internal.Pms5003Driver;
import java.util.ArrayList;
import java.util.List;

/**
 * Drivers for reading one device by hand (a technician's {@code mast probe}), without a config:
 * the same drivers the runtime samples with, on channels named for people ("pm2_5 ug/m3",
 * "register 7"). Each returns a closed driver; the caller opens, samples and closes it.
 */
public final class Probes {
  private Probes() {}

  /**
   * {@code count} consecutive 16-bit registers of a Modbus RTU slave, from {@code register}:
   * holding registers (function 3) or, with {@code input}, input registers (function 4).
   */
  public static SensorDriver modbus(Buses buses, String port, int baud, int slave, int register, int count, boolean input) {
    List<ModbusRtuDriver.ModbusPoint> points = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      points.add(new ModbusRtuDriver.ModbusPoint(ChannelSpec.plain("register " + (register + i), "", 0), slave,
          input ? 4 : 3, register + i, false, false, false));
    }
    return new ModbusRtuDriver(buses, port, baud, points);
  }

  /** A PMS5003's three particulate readings, in passive mode. */
  public static SensorDriver pms5003(Buses buses, String port, int baud) {
    return new Pms5003Driver(buses, port, baud, List.of(ChannelSpec.plain("pm1_0 ug/m3", "pm1_0", 0),
        ChannelSpec.plain("pm2_5 ug/m3", "pm2_5", 0), ChannelSpec.plain("pm10 ug/m3", "pm10", 0)));
  }

  /** An MH-Z19's CO2 and temperature. */
  public static SensorDriver mhz19(Buses buses, String port, int baud) {
    return new Mhz19Driver(buses, port, baud, List.of(ChannelSpec.plain("co2 ppm", "co2", 0),
        ChannelSpec.plain("temperature degC", "temperature", 0)));
  }

  /**
   * A CJ/T 188 meter read by hand (2400 8E1 unless {@code baud} says otherwise): its address
   * (by broadcast when {@code address} is null) and its current data. Opens and closes the port.
   */
  public static ProbeReport cjt188(Buses buses, String port, int baud, String address, boolean diHighFirst) throws java.io.IOException {
    return io.mast.drivers.internal.MeterProbes.cjt188(buses, port, baud, address, diHighFirst);
  }

  /**
   * A DL/T 645-2007 meter read by hand: its address (by broadcast when {@code address} is null)
   * and every data item a pole reads; items the meter does not keep are said so, not failed.
   */
  public static ProbeReport dlt645(Buses buses, String port, int baud, String address) throws java.io.IOException {
    return io.mast.drivers.internal.MeterProbes.dlt645(buses, port, baud, address);
  }

  /** A modem's registration and signal figures from its AT port. */
  public static SensorDriver modem(Buses buses, String port, int baud) {
    return new ModemDriver(buses, port, baud, List.of(ChannelSpec.plain("registration (1 home, 5 roaming)", "reg", 0),
        ChannelSpec.plain("rsrp dBm", "rsrp", 0), ChannelSpec.plain("rsrq dB", "rsrq", -1),
        ChannelSpec.plain("sinr dB", "sinr", -1), ChannelSpec.plain("csq rssi", "csq", 0)));
  }
}

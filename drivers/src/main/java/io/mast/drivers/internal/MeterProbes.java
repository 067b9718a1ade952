package io.mast.drivers.internal;

import io.mast.drivers.Buses;
import io.mast.drivers.ChannelStatus;
import io.mast.drivers.ProbeReport;
import io.mast.drivers.codec.Cjt188;
import io.mast.drivers.codec.Cjt188Data;
import io.mast.drivers.codec.Cjt188Frame;
import io.mast.drivers.codec.Dlt645;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A technician's reading of one meter by hand, through the runtime's own drivers: its address
 * (asked by broadcast when none is given, which needs the meter alone on the bus) and every value
 * it has, each with its unit, or the exact reason there is none. The port is opened and closed
 * here; an unusable port is the {@link IOException}.
 */
public final class MeterProbes {
  /** The DL/T 645 items a probe asks for: energy totals and tariffs, the three phases, the cover counter. */
  static final List<Dlt645.Item> DLT645_ITEMS = List.of(Dlt645.Item.values());

  private static final java.time.format.DateTimeFormatter TIME = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

  private MeterProbes() {}

  public static ProbeReport cjt188(Buses buses, String port, int baud, String address, boolean diHighFirst) throws IOException {
    Cjt188.DiOrder order = diHighFirst ? Cjt188.DiOrder.HIGH_FIRST : Cjt188.DiOrder.LOW_FIRST;
    List<String> lines = new ArrayList<>();
    Cjt188Driver driver = new Cjt188Driver(buses, port, baud, List.of());
    driver.open();
    try {
      int type = Cjt188.ANY_TYPE;
      if (address == null) {
        FramedExchange.Answer<Cjt188Frame> found = driver.readAddress(order);
        if (found.frame() == null) {
          lines.add("address " + found.failure() + ": " + found.detail() + hint(found.failure()));
          return new ProbeReport(lines, false);
        }
        address = found.frame().addressText();
        type = found.frame().meterType();
        lines.add("address = " + address + " (" + Cjt188.typeName(type) + " meter, type " + String.format("%02X", type) + ")");
      } else {
        lines.add("address = " + address);
      }
      FramedExchange.Answer<Cjt188Data> answer = driver.readData(type, address, order);
      if (answer.frame() == null) {
        lines.add("read data " + answer.failure() + ": " + answer.detail());
        return new ProbeReport(lines, false);
      }
      Cjt188Data data = answer.frame();
      if (type == Cjt188.ANY_TYPE) {
        lines.add("meter type = " + Cjt188.typeName(data.meterType()) + " (" + String.format("%02X", data.meterType()) + ")");
      }
      for (Map.Entry<String, Cjt188Data.Value> v : data.values().entrySet()) {
        lines.add(v.getKey() + " = " + v.getValue());
      }
      lines.add("meter time = " + (data.meterTime() == null ? "not set" : TIME.format(data.meterTime())));
      lines.add("valve = " + data.valve().name().toLowerCase(java.util.Locale.ROOT));
      lines.add("battery = " + (data.batteryLow() ? "low" : "ok"));
      lines.add(String.format("status = ST0 %02X ST1 %02X", data.status() & 0xFF, data.status() >> 8));
      return new ProbeReport(lines, true);
    } finally {
      driver.close();
    }
  }

  public static ProbeReport dlt645(Buses buses, String port, int baud, String address) throws IOException {
    List<String> lines = new ArrayList<>();
    Dlt645Driver driver = new Dlt645Driver(buses, port, baud, List.of());
    driver.open();
    try {
      if (address == null) {
        FramedExchange.Answer<String> found = driver.readAddress();
        if (found.frame() == null) {
          lines.add("address " + found.failure() + ": " + found.detail() + hint(found.failure()));
          return new ProbeReport(lines, false);
        }
        address = found.frame();
      }
      lines.add("address = " + address);
      boolean ok = true;
      for (Dlt645.Item item : DLT645_ITEMS) {
        FramedExchange.Answer<BigDecimal> v = driver.read(address, item);
        if (v.frame() != null) {
          String unit = item.unit().symbol();
          lines.add(item.quantity() + " = " + v.frame().toPlainString() + (unit.isEmpty() ? "" : " " + unit) + "   (" + item.meaning() + ")");
        } else if (v.failure() == ChannelStatus.DEVICE_ERROR && v.detail().contains("no such data")) {
          lines.add(item.quantity() + ": not kept by this meter (" + item.meaning() + ")");
        } else {
          lines.add(item.quantity() + " " + v.failure() + ": " + v.detail());
          ok = false;
          if (v.failure() == ChannelStatus.TIMEOUT) {
            break;
          }
        }
      }
      return new ProbeReport(lines, ok);
    } finally {
      driver.close();
    }
  }

  private static String hint(ChannelStatus failure) {
    if (failure == ChannelStatus.TIMEOUT) {
      return " (no meter answered the broadcast: check wiring, speed and parity, or give --address)";
    }
    if (failure == ChannelStatus.CRC_ERROR || failure == ChannelStatus.BAD_FRAME) {
      return " (several meters answering the broadcast at once garble it: give --address)";
    }
    return "";
  }
}

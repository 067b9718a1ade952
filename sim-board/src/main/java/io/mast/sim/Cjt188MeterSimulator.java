package io.mast.sim;

import io.mast.drivers.codec.Bcd;
import io.mast.drivers.codec.ByteArrays;
import io.mast.drivers.codec.Cjt188;
import io.mast.drivers.codec.Cjt188Frame;
import io.mast.drivers.codec.Cjt188FrameDecoder;
import io.mast.drivers.codec.DecoderChannels;
import io.mast.drivers.codec.MeterFrameException;
import io.mast.drivers.codec.MeterUnit;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Simulated CJ/T 188-2004 meters (water, gas, heat) on one bus, each at its own address. They
 * answer "read current data" (901F) with the layout of their type, "read address" (810A, to the
 * wildcard address) with their address, and the valve command (A017) by moving the valve, each
 * with the data identifier in the order it was asked and the request's SER. Answers start with
 * two FE bytes, as many meters send them.
 *
 * <p>Besides the bus {@link Faults}, a meter can answer abnormally ({@link #abnormalNext}). When a
 * request reaches several meters (the wildcard address with more than one on the bus), all of
 * them answer at once and the bus carries the wired AND of their frames: garbage whose checksum
 * fails, as on a real M-Bus. Thread-safe.
 */
public final class Cjt188MeterSimulator extends DeviceSimulator {
  private final EmbeddedChannel decoder = DecoderChannels.of(new Cjt188FrameDecoder());
  private final Map<String, Meter> meters = new LinkedHashMap<>();

  /** One meter's state: values in m3, kWh, kW, m3/h, degC and h; the status word; its reporting habits. */
  private static final class Meter {
    final int type;
    final byte[] address;
    final Map<String, BigDecimal> values = new LinkedHashMap<>();
    int status;
    int abnormal;
    MeterUnit volumeUnit = MeterUnit.M3;

    Meter(int type, byte[] address) {
      this.type = type;
      this.address = address;
    }
  }

  public Cjt188MeterSimulator() {
    super("cjt188");
  }

  /** Adds (or resets) a meter of CJ/T 188 type {@code type} at {@code address} (14 digits as on its nameplate). */
  public synchronized void addMeter(String address, int type) {
    meters.put(address, new Meter(type, Bcd.address(address, Cjt188.ADDRESS_BYTES)));
  }

  private Meter meter(String address) {
    Meter m = meters.get(address);
    if (m == null) {
      throw new IllegalArgumentException("no simulated CJ/T 188 meter at " + address + "; there are " + meters.keySet());
    }
    return m;
  }

  /**
   * Sets a quantity of a meter: {@code volume}, {@code volume_settlement}, {@code heat},
   * {@code heat_settlement}, {@code power}, {@code flow}, {@code supply_temp}, {@code return_temp},
   * {@code hours} in m3, kWh, kW, m3/h, degC and h; {@code valve_closed}, {@code valve_fault},
   * {@code battery_low} as 0 or 1; {@code status} as the whole word.
   */
  public synchronized void set(String address, String quantity, BigDecimal value) {
    Meter m = meter(address);
    switch (quantity) {
      case "valve_closed" -> m.status = (m.status & ~0x03) | (value.signum() != 0 ? 0x01 : 0);
      case "valve_fault" -> m.status = (m.status & ~0x03) | (value.signum() != 0 ? 0x03 : 0);
      case "battery_low" -> m.status = (m.status & ~0x04) | (value.signum() != 0 ? 0x04 : 0);
      case "status" -> m.status = value.intValueExact() & 0xFFFF;
      default -> {
        if (quantity.equals("volume") && !m.values.containsKey("volume")) {
          m.values.put("volume_settlement", value); // the first reading stands for the last settlement day's
        }
        m.values.put(quantity, value);
      }
    }
  }

  /** Sets one status bit of a meter (0..15), as the maker's tamper or magnetic flags. */
  public synchronized void statusBit(String address, int bit, boolean on) {
    Meter m = meter(address);
    m.status = on ? m.status | 1 << bit : m.status & ~(1 << bit);
  }

  /** Makes the meter report its volumes in litres (unit code 29h) instead of m3 (2Ch). */
  public synchronized void reportVolumeIn(String address, MeterUnit unit) {
    meter(address).volumeUnit = unit;
  }

  /** The meter's next {@code answers} answers are abnormal (C1h with SER and its status). */
  public synchronized void abnormalNext(String address, int answers) {
    meter(address).abnormal = answers;
  }

  @Override
  protected void receive(byte[] bytes, int length) throws IOException {
    decoder.writeInbound(Unpooled.copiedBuffer(bytes, 0, length));
    Object message;
    while ((message = decoder.readInbound()) != null) {
      Cjt188Frame request = (Cjt188Frame) message;
      if (request.fromMeter()) {
        continue;
      }
      List<byte[]> answers = new ArrayList<>();
      synchronized (this) {
        for (Meter m : meters.values()) {
          if (addressed(request, m)) {
            byte[] answer = answer(request, m);
            if (answer != null) {
              answers.add(answer);
            }
          }
        }
      }
      sendAll(answers);
    }
  }

  private static boolean addressed(Cjt188Frame request, Meter m) {
    return Bcd.matches(request.address(), m.address)
        && (request.meterType() == Cjt188.ANY_TYPE || request.meterType() == m.type);
  }

  /** This meter's answer on the wire, or null for a request it ignores. */
  private byte[] answer(Cjt188Frame request, Meter m) {
    int function = request.control() & 0x3F;
    byte[] d = request.data();
    int di;
    try {
      di = Cjt188.dataId(request, Cjt188.DI_CURRENT_DATA, Cjt188.DI_READ_ADDRESS, Cjt188.DI_VALVE);
    } catch (MeterFrameException e) {
      return abnormal(m, function, d.length > 2 ? d[2] : 0);
    }
    byte[] head = {d[0], d[1], d[2]};
    if (function == Cjt188.READ_ADDRESS && di == Cjt188.DI_READ_ADDRESS) {
      return frame(m, function, head);
    }
    if (function == Cjt188.READ_DATA && di == Cjt188.DI_CURRENT_DATA) {
      if (m.abnormal > 0) {
        m.abnormal--;
        return abnormal(m, function, d[2]);
      }
      return frame(m, function, ByteArrays.concat(head, Cjt188.isHeat(m.type) ? heatData(m) : waterData(m), time(), status(m)));
    }
    if (function == Cjt188.WRITE_DATA && di == Cjt188.DI_VALVE && d.length == 4) {
      m.status = (m.status & ~0x03) | ((d[3] & 0xFF) == Cjt188.VALVE_CLOSE ? 0x01 : 0);
      return frame(m, function, ByteArrays.concat(head, status(m)));
    }
    return abnormal(m, function, d[2]);
  }

  private static byte[] frame(Meter m, int function, byte[] data) {
    return new Cjt188Frame(m.type, m.address, function | Cjt188.FROM_METER, data).wire(2);
  }

  private static byte[] abnormal(Meter m, int function, byte ser) {
    return new Cjt188Frame(m.type, m.address, function | Cjt188.FROM_METER | Cjt188.ABNORMAL,
        ByteArrays.concat(new byte[] {ser}, status(m))).wire(2);
  }

  private static byte[] waterData(Meter m) {
    return ByteArrays.concat(amount(m, "volume", m.volumeUnit, 4, 2), amount(m, "volume_settlement", m.volumeUnit, 4, 2));
  }

  private static byte[] heatData(Meter m) {
    return ByteArrays.concat(amount(m, "heat_settlement", MeterUnit.KWH, 4, 2), amount(m, "heat", MeterUnit.KWH, 4, 2),
        amount(m, "power", MeterUnit.KW, 4, 2), amount(m, "flow", MeterUnit.M3_PER_H, 4, 4),
        amount(m, "volume", m.volumeUnit, 4, 2),
        bcd(m, "supply_temp", 3, 2), bcd(m, "return_temp", 3, 2), bcd(m, "hours", 3, 0));
  }

  /** A value in {@code unit}, as BCD and its unit code; a register rolls over as a meter's does. */
  private static byte[] amount(Meter m, String quantity, MeterUnit unit, int size, int decimals) {
    MeterUnit base = unit.dimension() == MeterUnit.Dimension.VOLUME ? MeterUnit.M3 : unit;
    BigDecimal value = base.convert(m.values.getOrDefault(quantity, BigDecimal.ZERO), unit);
    return ByteArrays.concat(register(value, size, decimals), new byte[] {(byte) unit.code()});
  }

  private static byte[] bcd(Meter m, String quantity, int size, int decimals) {
    return register(m.values.getOrDefault(quantity, BigDecimal.ZERO), size, decimals);
  }

  private static byte[] register(BigDecimal value, int size, int decimals) {
    BigDecimal modulus = BigDecimal.TEN.pow(2 * size - decimals);
    BigDecimal kept = value.abs().remainder(modulus).setScale(decimals, java.math.RoundingMode.DOWN);
    return Bcd.encode(kept, size, decimals, false);
  }

  private static byte[] time() {
    return Cjt188.timeBytes(LocalDateTime.now().withNano(0));
  }

  private static byte[] status(Meter m) {
    return new byte[] {(byte) m.status, (byte) (m.status >> 8)};
  }


}

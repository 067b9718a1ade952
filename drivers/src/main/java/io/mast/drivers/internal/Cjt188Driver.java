package io.mast.drivers.internal;

import io.mast.drivers.Buses;
import io.mast.drivers.ChannelSpec;
import io.mast.drivers.ChannelStatus;
import io.mast.drivers.ChannelValue;
import io.mast.drivers.Sample;
import io.mast.drivers.SerialLink;
import io.mast.drivers.SerialSettings;
import io.mast.drivers.codec.Bcd;
import io.mast.drivers.codec.Cjt188;
import io.mast.drivers.codec.Cjt188Data;
import io.mast.drivers.codec.Cjt188Frame;
import io.mast.drivers.codec.Cjt188FrameDecoder;
import io.mast.drivers.codec.MeterUnit;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The CJ/T 188-2004 master of one meter bus (M-Bus physical layer through a level converter,
 * 2400 8E1 by default): water, gas and heat meters, each at its own address, polled in turn with
 * "read current data" (DI 901F), one request per meter per sample, each waiting at most
 * {@link #TIMEOUT_MS}. Read-only: the valve command exists in the codec but a pole never sends it.
 *
 * <p>Quantities: the values of {@link Cjt188Data} ({@code volume}, {@code heat}, {@code power}...)
 * converted into the channel's unit (default m3, kWh, kW, m3/h), and the status word as channels
 * that alarm rules can watch: {@code valve_closed}, {@code valve_fault}, {@code battery_low} (0 or
 * 1), {@code tamper} (the maker's status bit the config names) and {@code status} (ST0 | ST1 << 8).
 *
 * <p>A silent meter is {@link ChannelStatus#TIMEOUT}, a checksum failure
 * {@link ChannelStatus#CRC_ERROR}, the meter's abnormal answer {@link ChannelStatus#DEVICE_ERROR},
 * any other refused answer {@link ChannelStatus#BAD_FRAME} with its {@code MeterRejection} named.
 */
public final class Cjt188Driver extends SerialDriver {
  /** How long one request waits: a heat meter's 63-byte answer takes 0.29 s at 2400 8E1, and meters think first. */
  public static final long TIMEOUT_MS = 1500;

  /** One channel: which meter, which quantity, and in which unit the channel keeps it (null: the standard's default). */
  public record MeterPoint(ChannelSpec spec, String address, int meterType, String quantity, MeterUnit unit,
      int tamperBit, boolean diHighFirst) {}

  private final List<MeterPoint> points;
  private final Cjt188FrameDecoder decoder = new Cjt188FrameDecoder();
  private final FramedExchange<Cjt188Frame> exchange =
      new FramedExchange<>(decoder, Cjt188Frame.class, decoder::checksumErrors, decoder::discardedBytes);
  private int ser;

  public Cjt188Driver(Buses buses, String port, int baud, List<MeterPoint> points) {
    super("cjt188", buses, port, SerialSettings.of8E1(baud), points.stream().map(MeterPoint::spec).toList());
    this.points = List.copyOf(points);
  }

  @Override
  public Sample sample() throws IOException {
    Map<String, FramedExchange.Answer<Cjt188Data>> answers = new LinkedHashMap<>();
    for (MeterPoint p : points) {
      if (!answers.containsKey(p.address())) {
        answers.put(p.address(), readData(p.meterType(), p.address(), p.diHighFirst() ? Cjt188.DiOrder.HIGH_FIRST : Cjt188.DiOrder.LOW_FIRST));
      }
    }
    List<ChannelValue> values = new ArrayList<>();
    for (MeterPoint p : points) {
      values.add(answers.get(p.address()).value(p.spec(), (data, spec) -> value(p, data)));
    }
    return new Sample(values);
  }

  /** The meter's current data, or why there is none. */
  FramedExchange.Answer<Cjt188Data> readData(int meterType, String address, Cjt188.DiOrder order) throws IOException {
    Cjt188Frame request = Cjt188.readData(meterType, Bcd.address(address, Cjt188.ADDRESS_BYTES), nextSer(), order);
    return MeterAnswers.parsed(ask(request), "meter " + address + ": ", frame -> Cjt188.parseData(frame, request));
  }

  /** The address and type of the one meter on the bus (a broadcast: several meters would answer at once). */
  FramedExchange.Answer<Cjt188Frame> readAddress(Cjt188.DiOrder order) throws IOException {
    Cjt188Frame request = Cjt188.readAddress(nextSer(), order);
    return MeterAnswers.parsed(ask(request), "", frame -> {
      Cjt188.parseAddress(frame, request);
      return frame;
    });
  }

  /** Sends {@code request} (with its preamble) and waits for a frame from a meter. */
  private FramedExchange.Answer<Cjt188Frame> ask(Cjt188Frame request) throws IOException {
    return exchange.ask(link(), request.wire(Cjt188.PREAMBLE), TIMEOUT_MS, Cjt188Frame::fromMeter);
  }

  private int nextSer() {
    ser = (ser + 1) & 0xFF;
    return ser;
  }

  static ChannelValue value(MeterPoint p, Cjt188Data data) {
    ChannelSpec spec = p.spec();
    switch (p.quantity()) {
      case "valve_closed": return spec.value(data.valve() == Cjt188Data.Valve.CLOSED ? 1 : 0, 0);
      case "valve_fault": return spec.value(data.valve() == Cjt188Data.Valve.ABNORMAL ? 1 : 0, 0);
      case "battery_low": return spec.value(data.batteryLow() ? 1 : 0, 0);
      case "tamper": return spec.value(data.statusBit(p.tamperBit()) ? 1 : 0, 0);
      case "status": return spec.value(data.status(), 0);
      default:
        return data.value(p.quantity())
            .map(v -> MeterAnswers.value(spec, v.amount(), v.unit(), p.unit() != null ? p.unit() : defaultUnit(v.unit())))
            .orElseGet(() -> spec.failed(ChannelStatus.NO_VALUE, "a " + Cjt188.typeName(data.meterType())
                + " meter reports no " + p.quantity()));
    }
  }

  /** The channel unit when the config names none: m3, kWh, kW, m3/h, or the value's own. */
  static MeterUnit defaultUnit(MeterUnit meter) {
    switch (meter.dimension()) {
      case VOLUME: return MeterUnit.M3;
      case ENERGY: return MeterUnit.KWH;
      case POWER: return MeterUnit.KW;
      case FLOW: return MeterUnit.M3_PER_H;
      default: return meter;
    }
  }
}

package io.mast.drivers.internal;

import io.mast.drivers.Buses;
import io.mast.drivers.ChannelSpec;
import io.mast.drivers.ChannelStatus;
import io.mast.drivers.ChannelValue;
import io.mast.drivers.Sample;
import io.mast.drivers.SerialSettings;
import io.mast.drivers.codec.Bcd;
import io.mast.drivers.codec.Dlt645;
import io.mast.drivers.codec.Dlt645Frame;
import io.mast.drivers.codec.Dlt645FrameDecoder;
import io.mast.drivers.codec.MeterUnit;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The DL/T 645-2007 master of one RS-485 line (2400 8E1 by default): electricity meters, each at
 * its own address, read by data identifier, one request per channel, each waiting at most
 * {@link #TIMEOUT_MS}. A meter that stays silent to one request is not asked again in the same
 * sample (its other channels are {@link ChannelStatus#TIMEOUT} at once), so a dead meter costs
 * one timeout a sample, not one per channel.
 *
 * <p>The meter's error answer is {@link ChannelStatus#DEVICE_ERROR} with its error bits named
 * ("no such data" for a tariff or phase the meter does not keep); a checksum failure is
 * {@link ChannelStatus#CRC_ERROR}; any other refused answer {@link ChannelStatus#BAD_FRAME}.
 */
public final class Dlt645Driver extends SerialDriver {
  /** How long one request waits: the meter's 22-byte answer takes 0.1 s at 2400 8E1; meters think first. */
  public static final long TIMEOUT_MS = 1000;

  /** One channel: which meter, which data item, in which unit (null: the item's own). */
  public record MeterPoint(ChannelSpec spec, String address, Dlt645.Item item, MeterUnit unit) {}

  private final List<MeterPoint> points;
  private final Dlt645FrameDecoder decoder = new Dlt645FrameDecoder();
  private final FramedExchange<Dlt645Frame> exchange =
      new FramedExchange<>(decoder, Dlt645Frame.class, decoder::checksumErrors, decoder::discardedBytes);

  public Dlt645Driver(Buses buses, String port, int baud, List<MeterPoint> points) {
    super("dlt645", buses, port, SerialSettings.of8E1(baud), points.stream().map(MeterPoint::spec).toList());
    this.points = List.copyOf(points);
  }

  @Override
  public Sample sample() throws IOException {
    Map<String, String> silent = new HashMap<>();
    List<ChannelValue> values = new ArrayList<>();
    for (MeterPoint p : points) {
      String silence = silent.get(p.address());
      if (silence != null) {
        values.add(p.spec().failed(ChannelStatus.TIMEOUT, silence + " (not asked again in this sample)"));
        continue;
      }
      FramedExchange.Answer<BigDecimal> answer = read(p.address(), p.item());
      if (answer.failure() == ChannelStatus.TIMEOUT) {
        silent.put(p.address(), answer.detail());
      }
      values.add(answer.value(p.spec(), (amount, spec) ->
          MeterAnswers.value(spec, amount, p.item().unit(), p.unit())));
    }
    return new Sample(values);
  }

  /** One data item of one meter, or why there is none. */
  FramedExchange.Answer<BigDecimal> read(String address, Dlt645.Item item) throws IOException {
    Dlt645Frame request = Dlt645.readData(Bcd.address(address, Dlt645.ADDRESS_BYTES), item.di());
    return MeterAnswers.parsed(ask(request), "meter " + address + " " + Dlt645.diText(item.di()) + ": ",
        frame -> Dlt645.parseData(frame, request, item));
  }

  /** The address of the one meter on the line (a broadcast), or why there is none. */
  FramedExchange.Answer<String> readAddress() throws IOException {
    return MeterAnswers.parsed(ask(Dlt645.readAddress()), "", Dlt645::parseAddress);
  }

  /** Sends {@code request} (with its preamble) and waits for a frame from a meter. */
  private FramedExchange.Answer<Dlt645Frame> ask(Dlt645Frame request) throws IOException {
    return exchange.ask(link(), request.wire(Dlt645.PREAMBLE), TIMEOUT_MS, Dlt645Frame::fromMeter);
  }
}

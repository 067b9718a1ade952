package io.mast.drivers.internal;

import io.mast.drivers.Buses;
import io.mast.drivers.ChannelSpec;
import io.mast.drivers.Sample;
import io.mast.drivers.SerialLink;
import io.mast.drivers.SerialSettings;
import io.mast.drivers.codec.Pms5003Decoder;
import io.mast.drivers.codec.Pms5003Frame;
import java.io.IOException;
import java.util.List;

/**
 * A Plantower PMS5003 on a UART (9600 8N1), polled in passive mode: {@code open} switches the
 * sensor to passive mode, each sample sends a read request and waits up to {@link #TIMEOUT_MS} for
 * the 32-byte answer. Quantities {@code pm1_0}, {@code pm2_5}, {@code pm10} are the "atmospheric
 * environment" concentrations in ug/m3 (exponent 0 on the device).
 */
public final class Pms5003Driver extends SerialDriver {
  /** How long a sample waits for the answer; the sensor answers within about 100 ms. */
  public static final long TIMEOUT_MS = 1500;

  private final Pms5003Decoder decoder = new Pms5003Decoder();
  private final FramedExchange<Pms5003Frame> exchange =
      new FramedExchange<>(decoder, Pms5003Frame.class, decoder::checksumErrors, decoder::discardedBytes);

  public Pms5003Driver(Buses buses, String port, int baud, List<ChannelSpec> channels) {
    super("pms5003", buses, port, SerialSettings.of8N1(baud), channels);
  }

  @Override
  void onOpen(SerialLink link) throws IOException {
    link.write(Pms5003Decoder.PASSIVE_MODE);
  }

  @Override
  public Sample sample() throws IOException {
    return exchange.ask(link(), Pms5003Decoder.READ_REQUEST, TIMEOUT_MS)
        .toSample(channels(), (frame, spec) -> spec.value(quantity(frame, spec.quantity()), 0));
  }

  static int quantity(Pms5003Frame frame, String quantity) {
    switch (quantity) {
      case "pm1_0": return frame.pm1Atm();
      case "pm2_5": return frame.pm25Atm();
      case "pm10": return frame.pm10Atm();
      default: throw new IllegalArgumentException("pms5003 has no quantity '" + quantity + "'");
    }
  }
}

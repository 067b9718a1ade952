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

  /** The sensor's acknowledgement of passive mode. */
  private static final byte[] PASSIVE_ACK = {0x42, 0x4D, 0x00, 0x04, (byte) 0xE1, 0x00, 0x01, 0x74};
  /** How long open waits for that acknowledgement. */
  static final int ACK_WAIT_MS = 400;

  @Override
  void onOpen(SerialLink link) throws IOException {
    link.write(Pms5003Decoder.PASSIVE_MODE);
    // in active mode the sensor sends a frame every second or so, and one sent just before the
    // switch may still be on its way: everything up to the acknowledgement of passive mode is
    // stale, and the first sample must not take it for its answer (a sensor that does not
    // acknowledge costs the wait, once)
    byte[] one = new byte[1];
    int matched = 0;
    long deadline = System.nanoTime() + ACK_WAIT_MS * 1_000_000L;
    while (matched < PASSIVE_ACK.length) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0 || link.read(one, 0, 1, left) <= 0) {
        return;
      }
      matched = one[0] == PASSIVE_ACK[matched] ? matched + 1 : one[0] == PASSIVE_ACK[0] ? 1 : 0;
    }
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

package io.mast.drivers.internal;

import io.mast.drivers.Buses;
import io.mast.drivers.ChannelSpec;
import io.mast.drivers.Sample;
import io.mast.drivers.SerialSettings;
import io.mast.drivers.codec.Mhz19Decoder;
import io.mast.drivers.codec.Mhz19Reading;
import java.io.IOException;
import java.util.List;

/**
 * A Winsen MH-Z19 CO2 sensor on a UART (9600 8N1): each sample sends the read-CO2 command and waits
 * up to {@link #TIMEOUT_MS} for the 9-byte answer. Quantities {@code co2} (ppm) and
 * {@code temperature} (whole degC, the sensor's internal thermometer).
 */
public final class Mhz19Driver extends SerialDriver {
  /** How long a sample waits for the answer. */
  public static final long TIMEOUT_MS = 1000;

  private final Mhz19Decoder decoder = new Mhz19Decoder();
  private final FramedExchange<Mhz19Reading> exchange =
      new FramedExchange<>(decoder, Mhz19Reading.class, decoder::checksumErrors, decoder::discardedBytes);

  public Mhz19Driver(Buses buses, String port, int baud, List<ChannelSpec> channels) {
    super("mhz19", buses, port, SerialSettings.of8N1(baud), channels);
  }

  @Override
  public Sample sample() throws IOException {
    return exchange.ask(link(), Mhz19Decoder.READ_CO2, TIMEOUT_MS).toSample(channels(), (reading, spec) ->
        spec.value(spec.quantity().equals("temperature") ? reading.temperatureC() : reading.co2Ppm(), 0));
  }
}

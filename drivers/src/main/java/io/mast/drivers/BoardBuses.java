package io.mast.drivers;

import com.pi4j.Pi4J;
import com.pi4j.context.Context;
import com.pi4j.plugin.gpiod.provider.gpio.digital.GpioDDigitalInputProvider;
import io.mast.drivers.internal.JSerialCommLink;
import java.io.IOException;

/**
 * The real board's buses: serial ports through jSerialComm (any tty path, pseudo-terminals
 * included) and GPIO through Pi4J's gpiod provider, chosen explicitly rather than auto-detected
 * (gpiod works on every Raspberry Pi including the 5, without root). The Pi4J context is created
 * on first use and shut down by {@link #close()}. Thread-safe.
 */
public final class BoardBuses implements Buses, AutoCloseable {
  private Context gpio;

  @Override
  public SerialLink openSerial(String port, SerialSettings settings) throws IOException {
    return JSerialCommLink.open(port, settings);
  }

  @Override
  public synchronized Context gpio() throws IOException {
    if (gpio == null) {
      try {
        gpio = Pi4J.newContextBuilder().add(GpioDDigitalInputProvider.newInstance()).build();
      } catch (RuntimeException | LinkageError e) {
        throw new IOException("cannot reach the GPIO chip through gpiod: " + e.getMessage(), e);
      }
    }
    return gpio;
  }

  @Override
  public synchronized void close() {
    if (gpio != null) {
      gpio.shutdown();
      gpio = null;
    }
  }
}

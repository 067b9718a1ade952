package io.mast.drivers.internal;

import io.mast.drivers.Buses;
import io.mast.drivers.ChannelSpec;
import io.mast.drivers.SensorDriver;
import io.mast.drivers.SerialLink;
import io.mast.drivers.SerialSettings;
import java.io.IOException;
import java.util.List;

/**
 * The common life cycle of drivers that own one serial port: open the port through {@link Buses},
 * let the device set itself up ({@link #onOpen}), close the port. A sample on a closed driver is a
 * programming error. Used by one thread at a time, as {@link SensorDriver} says.
 */
abstract class SerialDriver implements SensorDriver {
  private final String kind;
  private final Buses buses;
  private final String port;
  private final SerialSettings settings;
  private final List<ChannelSpec> channels;
  private SerialLink link;

  SerialDriver(String kind, Buses buses, String port, SerialSettings settings, List<ChannelSpec> channels) {
    this.kind = kind;
    this.buses = buses;
    this.port = port;
    this.settings = settings;
    this.channels = List.copyOf(channels);
  }

  @Override
  public final String name() {
    return kind + " on " + port;
  }

  @Override
  public final List<ChannelSpec> channels() {
    return channels;
  }

  @Override
  public final void open() throws IOException {
    if (link != null) {
      throw new IllegalStateException(name() + " is already open");
    }
    SerialLink opened = buses.openSerial(port, settings);
    try {
      onOpen(opened);
    } catch (IOException | RuntimeException e) {
      opened.close();
      throw e;
    }
    link = opened;
  }

  /** Puts the device in the state it is polled in; the default does nothing. */
  void onOpen(SerialLink link) throws IOException {}

  /** The open link; throws when the driver is closed. */
  final SerialLink link() {
    if (link == null) {
      throw new IllegalStateException(name() + " is not open");
    }
    return link;
  }

  final SerialSettings settings() {
    return settings;
  }

  @Override
  public final void close() {
    if (link != null) {
      link.close();
      link = null;
    }
  }
}

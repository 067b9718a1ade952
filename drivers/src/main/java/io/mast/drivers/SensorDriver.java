package io.mast.drivers;

import java.io.IOException;
import java.util.List;

/**
 * One device (or one bus of devices) wired to the board, read by polling.
 *
 * <p><b>Life cycle.</b> {@link #open()} claims the port or pin and puts the device in the state the
 * driver polls it in (PMS5003 passive mode, for example); {@link #sample()} reads every channel
 * once; {@link #close()} releases everything and never throws. A closed driver may be opened
 * again.
 *
 * <p><b>Two kinds of failure.</b> A <em>lost device</em> (the port vanished, the USB adapter was
 * unplugged, the GPIO chip is gone) is an {@link IOException} from {@code open} or {@code sample}:
 * the runtime closes the driver and reopens it with backoff. A <em>bad reading</em> (a checksum
 * error, a silent slave, an exception response, a value the channel cannot hold) is a status on
 * that channel's {@link ChannelValue} in the returned {@link Sample}; polling goes on and the other
 * channels are unaffected.
 *
 * <p><b>Threading.</b> A driver is used by one thread at a time: the runtime's sampler calls
 * {@code open}, {@code sample} and {@code close} from one thread, never concurrently. A sample
 * blocks for at most the driver's own timeouts (each says how long in its Javadoc), so it must not
 * be called on an I/O thread. Drivers that receive events on their own (the pulse meter's GPIO
 * listener) synchronise internally; their listeners never block.
 */
public interface SensorDriver extends AutoCloseable {

  /** What and where, for logs and the console: {@code "pms5003 on /dev/ttyAMA0"}. */
  String name();

  /** The channels this driver delivers, in config order. */
  List<ChannelSpec> channels();

  /** Claims the device. Throws when it cannot be reached at all. */
  void open() throws IOException;

  /** Reads every channel once; a value or a status for each, in {@link #channels()} order. */
  Sample sample() throws IOException;

  /** Releases the device; never throws. */
  @Override
  void close();
}

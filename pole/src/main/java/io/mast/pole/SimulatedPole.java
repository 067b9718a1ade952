package io.mast.pole;

import io.mast.config.model.DeviceConfig;
import io.mast.drivers.Buses;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * What {@code mast run --sim} needs that a pole never has: a simulated board, an MQTT broker in
 * the process, an emulated NB-IoT link. The developer's distribution provides it (found with
 * {@link ServiceLoader}); the pole's does not carry it, and there {@code --sim} is refused with a
 * word on where to find it.
 */
public interface SimulatedPole {
  /** The simulated pole's own config (board "sim"). */
  DeviceConfig exampleConfig() throws IOException;

  /** True if nothing listens on loopback {@code port} yet. */
  boolean portFree(int port);

  /**
   * Starts an MQTT broker on 127.0.0.1 at {@code port} (0: any free one) and returns its port. It
   * goes first into {@code resources}, which the caller closes in list order.
   */
  int startBroker(int port, List<AutoCloseable> resources) throws IOException;

  /**
   * Puts an emulated NB-IoT link (10 kbit/s, 2 s latency, 1 s jitter, a cut every 10 min on
   * average) in front of {@code host:port} and returns the URI to connect to instead.
   */
  String startNbIotLink(String host, int port, List<AutoCloseable> resources) throws IOException;

  /** The simulated board of {@code config}, its values moving like a live pole's. */
  Buses startBoard(DeviceConfig config, List<AutoCloseable> resources) throws IOException;

  /**
   * A pseudo-terminal pair for the simulated pole's serial console: the runtime opens
   * {@code board}, a person opens {@code technician} with picocom. Made by socat; closed with
   * {@code resources}.
   *
   * @throws IOException when socat is missing (the message says how to install it)
   */
  ConsolePty startConsolePty(Path dir, List<AutoCloseable> resources) throws IOException;

  /** The two ends of the simulated console's line. */
  record ConsolePty(Path technician, Path board) {}

  /** The simulated pole of this distribution, if it has one. */
  static Optional<SimulatedPole> find() {
    return ServiceLoader.load(SimulatedPole.class, SimulatedPole.class.getClassLoader()).findFirst();
  }
}

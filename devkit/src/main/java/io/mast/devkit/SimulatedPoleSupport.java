package io.mast.devkit;

import io.mast.config.model.DeviceConfig;
import io.mast.drivers.Buses;
import io.mast.pole.SimulatedPole;
import io.mast.sim.EmbeddedBroker;
import io.mast.sim.LinkShaper;
import io.mast.sim.SimSignals;
import io.mast.sim.SimulatedBoard;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/** The simulated pole of {@code mast run --sim} in the developer's distribution: sim-board's board, broker and link shaper. */
public final class SimulatedPoleSupport implements SimulatedPole {
  @Override
  public DeviceConfig exampleConfig() throws IOException {
    return SimulatedBoard.exampleConfig();
  }

  @Override
  public boolean portFree(int port) {
    return EmbeddedBroker.portFree(port);
  }

  @Override
  public int startBroker(int port, List<AutoCloseable> resources) throws IOException {
    EmbeddedBroker broker = EmbeddedBroker.start(port);
    resources.add(0, broker);
    return broker.port();
  }

  @Override
  public String startNbIotLink(String host, int port, List<AutoCloseable> resources) throws IOException {
    LinkShaper shaper = LinkShaper.to(host, port).bitsPerSecond(10_000).latency(Duration.ofSeconds(2))
        .jitter(Duration.ofSeconds(1)).meanTimeBetweenCuts(Duration.ofMinutes(10)).start(0);
    resources.add(0, shaper);
    return shaper.uri();
  }

  @Override
  public Buses startBoard(DeviceConfig config, List<AutoCloseable> resources) throws IOException {
    return SimSignals.live(SimulatedBoard.start(config, SimulatedBoard.Transport.IN_PROCESS, null), config, resources);
  }

  @Override
  public ConsolePty startConsolePty(java.nio.file.Path dir, List<AutoCloseable> resources) throws IOException {
    java.nio.file.Files.createDirectories(dir);
    io.mast.sim.SocatPty pty = io.mast.sim.SocatPty.start(dir, "console-tty");
    resources.add(0, pty);
    return new ConsolePty(pty.driverPath(), pty.devicePath());
  }
}

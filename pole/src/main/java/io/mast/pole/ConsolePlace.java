package io.mast.pole;

import io.mast.runtime.EdgeRuntime;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** Where the technician's console of a {@code mast run} goes, and the line that says how to reach it. */
final class ConsolePlace {
  /** The serial console: on {@code fixedPort}, or (null) on the config's port and speed, following changes. */
  record Serial(String fixedPort) {}

  private ConsolePlace() {}

  /**
   * Where the serial console goes for this run, said on {@code err} with how to reach it: the
   * config's {@code console.serial_port}, or with {@code --sim} a pseudo-terminal pair (the
   * runtime takes one end, picocom the other); null for none. The Unix socket for
   * {@code mast console} is always served. With {@code simDefaults} (the embedded simulated pole's
   * config) the line says its PIN.
   */
  static Serial choose(String consoleMode, boolean replaying, boolean simDefaults, EdgeRuntime runtime, SimulatedPole simulated,
      List<AutoCloseable> resources, PrintStream err) {
    String mast = System.getenv().getOrDefault("MAST_COMMAND", "mast");
    Path socket = ConsoleCommand.socketOf(runtime.stateRoot());
    String attach = mast + " console" + (ConsoleCommand.foundByDefault(socket) ? "" : " --socket " + PasteLines.shown(socket));
    if (consoleMode.equals("terminal")) {
      err.println("mast: console on this terminal (exit stops Mast); also: " + attach);
      return null;
    }
    if (!consoleMode.equals("port") || replaying) {
      err.println("mast: console: " + attach);
      return null;
    }
    String port = runtime.config().getConsole().getSerialPort();
    int baud = runtime.config().getConsole().getBaud();
    if (port.startsWith("sim:") && simulated != null) {
      try {
        SimulatedPole.ConsolePty pty = simulated.startConsolePty(runtime.stateRoot(), resources);
        err.println("mast: console: picocom -q -b " + baud + " " + PasteLines.shown(pty.technician())
            + (simDefaults ? " (PIN " + SimPlatformKey.SIM_PIN + ")" : ""));
        err.println("  or: " + attach);
        return new Serial(pty.board().toString());
      } catch (IOException e) {
        err.println("mast: console: " + attach + " (no pty for picocom: " + e.getMessage() + ")");
        return null;
      }
    }
    err.println("mast: console: " + (port.isEmpty() ? "" : port + " at " + baud + " bit/s, or ") + attach);
    return new Serial(null);
  }
}

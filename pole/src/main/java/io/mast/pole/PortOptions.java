package io.mast.pole;

import picocli.CommandLine.Option;

/** The serial port options of the {@code mast probe} commands: which port, and its speed when not the device's own. */
final class PortOptions {
  @Option(names = "--port", required = true, paramLabel = "TTY", description = "Serial port of the device, e.g. /dev/ttyUSB0, or a pty printed by mast sim.")
  String port;

  @Option(names = "--baud", paramLabel = "BIT/S", description = "Serial speed in bit/s (default: the device's own; 9600, 2400 for a meter, 115200 for a modem).")
  Integer baud;

  int baud(int deviceDefault) {
    return baud != null ? baud : deviceDefault;
  }
}

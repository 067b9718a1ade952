package io.mast.pole;

import io.mast.drivers.BoardBuses;
import io.mast.drivers.Buses;
import io.mast.drivers.ChannelValue;
import io.mast.drivers.ProbeReport;
import io.mast.drivers.Probes;
import io.mast.drivers.SensorDriver;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mast probe}: a technician reads one device by hand through the same driver the runtime
 * uses, and sees each decoded value or the exact reason there is none. Exit status 0 when every
 * value was read, 1 when a reading was bad (checksum, timeout, exception response), 2 when the port
 * could not be used at all (or an option was wrong). The meter probes ({@code cjt188},
 * {@code dlt645}) first print the meter's address, found by broadcast when none is given.
 */
@Command(name = "probe", mixinStandardHelpOptions = true,
    description = "Read one device by hand: decoded values or the exact error.",
    subcommands = {ProbeCommand.Modbus.class, ProbeCommand.Pms5003.class, ProbeCommand.Mhz19.class, ProbeCommand.Modem.class,
        ProbeCommand.Cjt188.class, ProbeCommand.Dlt645.class})
final class ProbeCommand {

  /**
   * Opens the driver {@code make} builds on the real board's buses, samples once, prints one line
   * per channel and closes; returns the exit status.
   */
  static int probe(CommandSpec spec, Function<Buses, SensorDriver> make) {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (BoardBuses buses = new BoardBuses(); SensorDriver driver = make.apply(buses)) {
      try {
        driver.open();
        List<ChannelValue> values = driver.sample().values();
        boolean allOk = true;
        for (int i = 0; i < values.size(); i++) {
          ChannelValue v = values.get(i);
          out.println(v.isOk()
            ? v.channel() + " = " + BigDecimal.valueOf(v.mantissa(), -driver.channels().get(i).exponent()).toPlainString()
            : v.channel() + " " + v.status() + ": " + v.detail());
          allOk &= v.isOk();
        }
        return allOk ? 0 : 1;
      } catch (IOException e) {
        err.println("mast probe: " + driver.name() + ": " + e.getMessage());
        return 2;
      }
    }
  }

  /**
   * Runs a meter probe on the real board's buses at the address given (the nameplate's digits,
   * checked before the port is touched; null to find the meter by broadcast) and prints its lines;
   * exit 0 when every value was read, 1 when the meter did not answer or answered badly, 2 when
   * the address or the port is unusable.
   */
  static int meter(CommandSpec spec, String name, String given, int digits, Function<String, MeterProbe> probeAt) {
    String address = null;
    if (given != null) {
      address = given.toUpperCase(java.util.Locale.ROOT);
      if (!io.mast.drivers.codec.Bcd.isAddress(address, digits / 2)) {
        spec.commandLine().getErr().println("mast probe " + name + ": --address " + given + " is not a " + name + " address: "
            + digits + " digits as on the nameplate (each pair 00..99, or AA)");
        return 2;
      }
    }
    MeterProbe probe = probeAt.apply(address);
    PrintWriter out = spec.commandLine().getOut();
    try (BoardBuses buses = new BoardBuses()) {
      ProbeReport report = probe.run(buses);
      report.lines().forEach(out::println);
      return report.ok() ? 0 : 1;
    } catch (IOException e) {
      spec.commandLine().getErr().println("mast probe " + name + ": " + e.getMessage());
      return 2;
    }
  }

  /** One meter probe on the given buses. */
  interface MeterProbe {
    ProbeReport run(Buses buses) throws IOException;
  }


  @Command(name = "cjt188", mixinStandardHelpOptions = true,
      description = {"Read a CJ/T 188 water, gas or heat meter (2400 8E1): its address and current data.",
          "Without --address the meter is found by broadcast, which needs it alone on the bus."})
  static final class Cjt188 implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin PortOptions line;
    @Option(names = "--address", paramLabel = "A", description = "The meter's address, 14 digits as on its nameplate.") String address;
    @Option(names = "--di-high-first", description = "Send data identifiers as 90 1F, for meters that want it.") boolean diHighFirst;

    @Override
    public Integer call() {
      return meter(spec, "cjt188", address, 14, a -> buses -> Probes.cjt188(buses, line.port, line.baud(2400), a, diHighFirst));
    }
  }

  @Command(name = "dlt645", mixinStandardHelpOptions = true,
      description = {"Read a DL/T 645-2007 electricity meter (2400 8E1): its address, energy, and each phase.",
          "Without --address the meter is found by broadcast, which needs it alone on the line."})
  static final class Dlt645 implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin PortOptions line;
    @Option(names = "--address", paramLabel = "A", description = "The meter's address, 12 digits as on its nameplate.") String address;

    @Override
    public Integer call() {
      return meter(spec, "dlt645", address, 12, a -> buses -> Probes.dlt645(buses, line.port, line.baud(2400), a));
    }
  }

  @Command(name = "modbus", mixinStandardHelpOptions = true, description = "Read registers of a Modbus RTU slave (8N1).")
  static final class Modbus implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin PortOptions line;
    @Option(names = "--address", required = true, paramLabel = "A", description = "Slave id, 1..247.") int address;
    @Option(names = "--register", required = true, paramLabel = "R", description = "First register address, from 0.") int register;
    @Option(names = "--count", defaultValue = "1", paramLabel = "N", description = "Registers to read, 1..125 (default: ${DEFAULT-VALUE}).") int count;
    @Option(names = "--input", description = "Read input registers (function 4) instead of holding registers (function 3).") boolean input;

    @Override
    public Integer call() {
      if (address < 1 || address > 247 || count < 1 || count > 125 || register < 0 || register + count > 65536) {
        spec.commandLine().getErr().println("mast probe modbus: address " + address + " must be 1..247, count " + count
            + " 1..125 and registers " + register + ".." + (register + count - 1) + " within 0..65535");
        return 2;
      }
      return probe(spec, buses -> Probes.modbus(buses, line.port, line.baud(9600), address, register, count, input));
    }
  }

  @Command(name = "pms5003", mixinStandardHelpOptions = true, description = "Read a PMS5003 in passive mode (9600 8N1).")
  static final class Pms5003 implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin PortOptions line;

    @Override
    public Integer call() {
      return probe(spec, buses -> Probes.pms5003(buses, line.port, line.baud(9600)));
    }
  }

  @Command(name = "mhz19", mixinStandardHelpOptions = true, description = "Read an MH-Z19 CO2 sensor (9600 8N1).")
  static final class Mhz19 implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin PortOptions line;

    @Override
    public Integer call() {
      return probe(spec, buses -> Probes.mhz19(buses, line.port, line.baud(9600)));
    }
  }

  @Command(name = "modem", mixinStandardHelpOptions = true, description = "Read registration and signal from a modem's AT port.")
  static final class Modem implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin PortOptions line;

    @Override
    public Integer call() {
      return probe(spec, buses -> Probes.modem(buses, line.port, line.baud(115200)));
    }
  }
}

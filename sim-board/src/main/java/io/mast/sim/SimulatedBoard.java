package io.mast.sim;

import com.pi4j.Pi4J;
import com.pi4j.context.Context;
import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.plugin.mock.platform.MockPlatform;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInput;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInputProvider;
import io.mast.config.DeviceConfigs;
import io.mast.config.model.DeviceConfig;
import io.mast.config.model.DriverKind;
import io.mast.config.model.Sensor;
import io.mast.config.model.MeterType;
import io.mast.config.model.WordOrder;
import io.mast.drivers.codec.Cjt188;
import io.mast.drivers.codec.Dlt645;
import io.mast.drivers.codec.MeterUnit;
import io.mast.drivers.BoardBuses;
import io.mast.drivers.Buses;
import io.mast.drivers.DriverCatalog;
import io.mast.drivers.SerialLink;
import io.mast.drivers.SerialSettings;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The whole simulated pole of a device config whose {@code board} is {@code sim}: one device
 * simulator per {@code sim:NAME} serial bus (a Modbus line with its slaves, a PMS5003, an MH-Z19,
 * an M-Bus line with its meters, a CJ/T 188 or DL/T 645 meter bus with its meters, a modem) and Pi4J mock GPIO for the pulse meters. It is the
 * {@link Buses} the drivers are built with, so nothing above it knows the hardware is simulated.
 *
 * <p><b>Transports.</b> {@link Transport#IN_PROCESS} joins drivers and simulators with in-process
 * lines (fast, for unit tests; {@link #unplug} makes a port vanish). {@link Transport#PTY} puts each
 * simulator behind a socat pseudo-terminal pair whose driver end ({@link #ptyPaths()}) any tool can
 * open.
 *
 * <p><b>Values.</b> {@link #set(String, long)} sets what a channel's device will report next, as a
 * mantissa at the channel's exponent; for a pulse meter's counter it emits the pulses needed to
 * reach that total (the first value only sets the baseline). {@link #faults(String)} gives a bus's
 * fault knobs. Thread-safe.
 */
public final class SimulatedBoard implements Buses, AutoCloseable {
  /** How simulated serial devices are joined to their drivers. */
  public enum Transport { IN_PROCESS, PTY }

  /** Low and high time of each simulated pulse, on the GPIO clock (above the 20 ms debounce). */
  static final long PULSE_HALF_NANOS = 30_000_000L;

  private final Transport transport;
  private final Map<String, DeviceSimulator> simulators = new LinkedHashMap<>();
  private final Map<String, InProcessLine> lines = new LinkedHashMap<>();
  private final Map<String, SocatPty> ptys = new LinkedHashMap<>();
  private final Map<String, Sensor> sensorsByChannel = new LinkedHashMap<>();
  private final Map<String, Long> pulseTotals = new LinkedHashMap<>();
  private final java.util.Set<String> meterAddresses = new java.util.HashSet<>();
  private final BoardBuses ttys = new BoardBuses();
  private final AtomicLong gpioAhead = new AtomicLong();
  private final Context gpio;
  private long pulsesUnheard;

  private SimulatedBoard(Transport transport) {
    this.transport = transport;
    this.gpio = Pi4J.newContextBuilder().add(new MockPlatform()).add(MockDigitalInputProvider.newInstance()).build();
  }

  /** The example simulated pole shipped in this jar ({@code config/examples/sim-pole.json}). */
  public static DeviceConfig exampleConfig() throws IOException {
    try (java.io.InputStream in = SimulatedBoard.class.getResourceAsStream("sim-pole.json")) {
      if (in == null) {
        throw new IOException("the embedded sim-pole.json is missing from the sim-board jar");
      }
      return DeviceConfigs.parseJson(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
    } catch (io.mast.config.ConfigException e) {
      throw new IOException("the embedded sim-pole.json does not parse: " + e.getMessage(), e);
    }
  }

  /** Builds and starts the simulators of {@code config}; PTY links are made in {@code ptyDir}. */
  public static SimulatedBoard start(DeviceConfig config, Transport transport, Path ptyDir) throws IOException {
    DeviceConfig effective = DeviceConfigs.effective(config);
    if (!effective.getBoard().equals("sim")) {
      throw new IllegalArgumentException("the config names board '" + effective.getBoard() + "', not sim");
    }
    SimulatedBoard board = new SimulatedBoard(transport);
    try {
      for (Sensor s : effective.getSensorsList()) {
        board.sensorsByChannel.put(s.getChannel(), s);
        if (s.getDriver() != DriverKind.PULSE_METER) {
          board.attach(s, ptyDir);
        }
      }
    } catch (IOException | RuntimeException e) {
      board.close();
      throw e;
    }
    return board;
  }

  private void attach(Sensor s, Path ptyDir) throws IOException {
    String bus = s.getBus();
    DeviceSimulator sim = simulators.get(bus);
    if (sim == null) {
      sim = newSimulator(s.getDriver());
      simulators.put(bus, sim);
      sim.start(deviceEnd(bus, ptyDir, DriverCatalog.serialSettings(s)));
    }
    if (sim instanceof ModbusSlaveSimulator modbus) {
      modbus.setRegister(s.getAddress(), s.getRegister().getFunction(), s.getRegister().getRegister(), 0);
      if (s.getRegister().getWidthBits() == 32) {
        modbus.setRegister(s.getAddress(), s.getRegister().getFunction(), s.getRegister().getRegister() + 1, 0);
      }
    } else if (sim instanceof MBusMeterSimulator mbus) {
      mbus.addMeter(s.getAddress(), 12_345_670L + s.getAddress());
    } else if (sim instanceof Cjt188MeterSimulator cjt && meterAddresses.add(bus + " " + meterAddress(s))) {
      cjt.addMeter(meterAddress(s), cjt188Type(s));
    } else if (sim instanceof Dlt645MeterSimulator dlt) {
      if (meterAddresses.add(bus + " " + meterAddress(s))) {
        dlt.addSinglePhaseMeter(meterAddress(s));
      }
      dlt.set(meterAddress(s), s.getQuantity(), BigDecimal.ZERO);
    }
  }

  /** The meter's address on the simulated bus; a wildcard in the config stands for a meter at 00.. there. */
  static String meterAddress(Sensor s) {
    return s.getMeter().getAddress().toUpperCase(java.util.Locale.ROOT).replace("AA", "00");
  }

  private static int cjt188Type(Sensor s) {
    return s.getMeter().getType() == MeterType.METER_TYPE_UNSPECIFIED ? Cjt188.COLD_WATER : s.getMeter().getTypeValue();
  }

  private static DeviceSimulator newSimulator(DriverKind kind) {
    switch (kind) {
      case PMS5003: return new Pms5003Simulator();
      case MHZ19: return new Mhz19Simulator();
      case MODBUS_RTU: return new ModbusSlaveSimulator();
      case MBUS: return new MBusMeterSimulator();
      case MODEM: return new AtModemSimulator(AtModemSimulator.Variant.BG95);
      case CJT188: return new Cjt188MeterSimulator();
      case DLT645: return new Dlt645MeterSimulator();
      default: throw new IllegalArgumentException("no simulator for driver " + kind);
    }
  }

  private SerialLink deviceEnd(String bus, Path ptyDir, SerialSettings settings) throws IOException {
    String name = bus.substring(bus.indexOf(':') + 1);
    if (transport == Transport.IN_PROCESS) {
      InProcessLine line = new InProcessLine(bus);
      lines.put(bus, line);
      return line.deviceEnd();
    }
    SocatPty pty = SocatPty.start(ptyDir, name);
    ptys.put(bus, pty);
    return ttys.openSerial(pty.devicePath().toString(), settings);
  }

  @Override
  public SerialLink openSerial(String port, SerialSettings settings) throws IOException {
    if (transport == Transport.IN_PROCESS) {
      InProcessLine line = lines.get(port);
      if (line == null) {
        throw new IOException("serial port " + port + " does not exist on the simulated board; it has " + lines.keySet());
      }
      return line.openDriverEnd();
    }
    SocatPty pty = ptys.get(port);
    return ttys.openSerial(pty == null ? port : pty.driverPath().toString(), settings);
  }

  @Override
  public Context gpio() {
    return gpio;
  }

  @Override
  public LongSupplier gpioClock() {
    return () -> System.nanoTime() + gpioAhead.get();
  }

  /** The simulator behind {@code bus} ({@code sim:rs485}). */
  public DeviceSimulator simulator(String bus) {
    DeviceSimulator sim = simulators.get(bus);
    if (sim == null) {
      throw new IllegalArgumentException("no simulated device on " + bus + "; there are " + simulators.keySet());
    }
    return sim;
  }

  public Faults faults(String bus) {
    return simulator(bus).faults();
  }

  /** Makes an in-process port vanish (as an unplugged USB adapter) or come back. */
  public void unplug(String bus, boolean unplugged) {
    InProcessLine line = lines.get(bus);
    if (line == null) {
      throw new IllegalArgumentException("only in-process ports can be unplugged; " + bus + " is not one");
    }
    line.unplug(unplugged);
  }

  /** Driver-end paths of the pseudo-terminals, by bus, for tools such as picocom and mbpoll. */
  public Map<String, Path> ptyPaths() {
    Map<String, Path> out = new LinkedHashMap<>();
    ptys.forEach((bus, pty) -> out.put(bus, pty.driverPath()));
    return out;
  }

  /** The channels this board can set, in config order. */
  public java.util.Set<String> channels() {
    return sensorsByChannel.keySet();
  }

  /** The decimal exponent of {@code channel}. */
  public int exponent(String channel) {
    Sensor s = sensorsByChannel.get(channel);
    if (s == null) {
      throw new IllegalArgumentException("no channel " + channel + " on the simulated board; it has " + sensorsByChannel.keySet());
    }
    return s.getExponent();
  }

  /** Sets what {@code channel}'s device reports next: a mantissa at the channel's exponent. */
  public void set(String channel, long mantissa) {
    Sensor s = sensorsByChannel.get(channel);
    if (s == null) {
      throw new IllegalArgumentException("no channel " + channel + " on the simulated board; it has " + sensorsByChannel.keySet());
    }
    BigDecimal value = BigDecimal.valueOf(mantissa, -s.getExponent());
    switch (s.getDriver()) {
      case PULSE_METER -> counter(s, value.multiply(BigDecimal.valueOf(s.getPulsesPerUnit())).setScale(0, RoundingMode.FLOOR).longValue());
      case MODBUS_RTU -> modbus(s, mantissa);
      case PMS5003 -> ((Pms5003Simulator) simulator(s.getBus())).setQuantity(s.getQuantity(), device(value, 0));
      case MHZ19 -> ((Mhz19Simulator) simulator(s.getBus())).setQuantity(s.getQuantity(), device(value, 0));
      case MBUS -> ((MBusMeterSimulator) simulator(s.getBus())).setQuantity(s.getAddress(), s.getQuantity(),
          device(value, s.getQuantity().equals("volume") || s.getQuantity().equals("flow") ? -3 : 0));
      case MODEM -> ((AtModemSimulator) simulator(s.getBus())).setQuantity(s.getQuantity(),
          device(value, s.getQuantity().equals("rsrq") || s.getQuantity().equals("sinr") ? -1 : 0));
      case CJT188 -> cjt188(s, value);
      case DLT645 -> ((Dlt645MeterSimulator) simulator(s.getBus())).set(meterAddress(s), s.getQuantity(),
          meterValue(s, value, Dlt645.Item.ofQuantity(s.getQuantity()).orElseThrow().unit()));
      default -> throw new IllegalArgumentException("channel " + channel + " has no driver kind");
    }
  }

  private void cjt188(Sensor s, BigDecimal value) {
    Cjt188MeterSimulator sim = (Cjt188MeterSimulator) simulator(s.getBus());
    String address = meterAddress(s);
    if (s.getQuantity().equals("tamper")) {
      sim.statusBit(address, s.getMeter().getTamperBit(), value.signum() != 0);
      return;
    }
    MeterUnit canonical = switch (s.getQuantity()) {
      case "volume", "volume_settlement" -> MeterUnit.M3;
      case "heat", "heat_settlement" -> MeterUnit.KWH;
      case "power" -> MeterUnit.KW;
      case "flow" -> MeterUnit.M3_PER_H;
      default -> null;
    };
    sim.set(address, s.getQuantity(), canonical == null ? value : meterValue(s, value, canonical));
  }

  /** A channel's value (in the channel's unit, or the meter's own when it names none) in {@code meterUnit}. */
  private static BigDecimal meterValue(Sensor s, BigDecimal value, MeterUnit meterUnit) {
    return MeterUnit.ofSymbol(s.getUnit()).map(u -> u.convert(value, meterUnit)).orElse(value);
  }

  private static long device(BigDecimal value, int exponent) {
    return value.setScale(-exponent, RoundingMode.HALF_EVEN).unscaledValue().longValueExact();
  }

  private void modbus(Sensor s, long mantissa) {
    ModbusSlaveSimulator sim = (ModbusSlaveSimulator) simulator(s.getBus());
    int function = s.getRegister().getFunction();
    if (s.getRegister().getWidthBits() == 32) {
      sim.setWide(s.getAddress(), function, s.getRegister().getRegister(), mantissa,
          s.getRegister().getWordOrder() == WordOrder.LITTLE_ENDIAN_WORDS);
    } else {
      sim.setRegister(s.getAddress(), function, s.getRegister().getRegister(), (int) mantissa);
    }
  }

  private synchronized void counter(Sensor s, long pulses) {
    Long before = pulseTotals.put(s.getChannel(), pulses);
    if (before != null && pulses > before) {
      pulse(s.getChannel(), pulses - before);
    }
  }

  /** Emits {@code count} clean pulses on {@code channel}'s pin, each 30 ms low and 30 ms high on the GPIO clock. */
  public synchronized void pulse(String channel, long count) {
    Sensor s = sensorsByChannel.get(channel);
    if (s == null || s.getDriver() != DriverKind.PULSE_METER) {
      throw new IllegalArgumentException(channel + " is not a pulse meter channel on the simulated board");
    }
    String id = "pulse-" + s.getGpioPin();
    for (long i = 0; i < count; i++) {
      if (!gpio.registry().exists(id)) {
        pulsesUnheard++;
        continue;
      }
      MockDigitalInput pin = gpio.registry().get(id, MockDigitalInput.class);
      if (pin.state() != DigitalState.HIGH) {
        pin.mockState(DigitalState.HIGH); // the pull-up's idle level
        gpioAhead.addAndGet(PULSE_HALF_NANOS);
      }
      gpioAhead.addAndGet(PULSE_HALF_NANOS);
      pin.mockState(DigitalState.LOW);
      gpioAhead.addAndGet(PULSE_HALF_NANOS);
      pin.mockState(DigitalState.HIGH);
    }
  }

  /** Drives a pin directly, for debounce tests: the level, then {@code holdNanos} on the GPIO clock. */
  public synchronized void level(int pin, DigitalState state, long holdNanos) {
    gpio.registry().get("pulse-" + pin, MockDigitalInput.class).mockState(state);
    gpioAhead.addAndGet(holdNanos);
  }

  /** Pulses emitted while no driver held the pin (as a real meter's pulses while the board is off). */
  public synchronized long pulsesUnheard() {
    return pulsesUnheard;
  }

  @Override
  public void close() {
    simulators.values().forEach(DeviceSimulator::close);
    ptys.values().forEach(SocatPty::close);
    ttys.close();
    gpio.shutdown();
  }
}

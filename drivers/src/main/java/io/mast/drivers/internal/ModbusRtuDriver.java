package io.mast.drivers.internal;

import com.ghgande.j2mod.modbus.ModbusException;
import com.ghgande.j2mod.modbus.ModbusSlaveException;
import com.ghgande.j2mod.modbus.io.ModbusSerialTransaction;
import com.ghgande.j2mod.modbus.msg.ModbusRequest;
import com.ghgande.j2mod.modbus.msg.ModbusResponse;
import com.ghgande.j2mod.modbus.msg.ReadInputRegistersRequest;
import com.ghgande.j2mod.modbus.msg.ReadInputRegistersResponse;
import com.ghgande.j2mod.modbus.msg.ReadMultipleRegistersRequest;
import com.ghgande.j2mod.modbus.msg.ReadMultipleRegistersResponse;
import com.ghgande.j2mod.modbus.procimg.InputRegister;
import io.mast.drivers.Buses;
import io.mast.drivers.ChannelSpec;
import io.mast.drivers.ChannelStatus;
import io.mast.drivers.ChannelValue;
import io.mast.drivers.Sample;
import io.mast.drivers.SerialLink;
import io.mast.drivers.SerialSettings;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The Modbus RTU master of one RS-485 bus (8N1), reading each channel's register through j2mod:
 * function 3 (holding) or 4 (input), one or two words, signed or unsigned, either word order. The
 * register's integer is the channel's mantissa before calibration, so the config's exponent is the
 * register's scale.
 *
 * <p>Each read waits {@link #TIMEOUT_MS} per try and tries {@link #TRIES} times. A slave that stays
 * silent is {@link ChannelStatus#TIMEOUT}, a bad CRC {@link ChannelStatus#CRC_ERROR}, an exception
 * response {@link ChannelStatus#DEVICE_ERROR} with its code, an answer from another slave or of
 * another length {@link ChannelStatus#BAD_FRAME}; only a port that fails is an exception.
 */
public final class ModbusRtuDriver extends SerialDriver {
  /** How long one try waits for the answer. */
  public static final int TIMEOUT_MS = 500;
  /** Tries per read before the channel is reported failed. */
  public static final int TRIES = 3;

  private final List<ModbusPoint> points;
  private final Timing timing;
  private LinkSerialConnection connection;

  /** One channel's register on one slave. */
  public record ModbusPoint(ChannelSpec spec, int slave, int function, int register, boolean wide,
      boolean signed, boolean littleEndianWords) {}

  /**
   * How long each try waits for an answer and how many tries a read gets. Between tries j2mod
   * waits 250-750 ms times the try's number, so a silent slave costs a channel about 3 s at
   * {@link #FIELD}.
   */
  public record Timing(int timeoutMs, int tries) {
    /** A bus of meters at 9600 baud: {@link #TIMEOUT_MS}, {@link #TRIES}. */
    public static final Timing FIELD = new Timing(TIMEOUT_MS, TRIES);

    public Timing {
      if (timeoutMs < 1 || tries < 1) {
        throw new IllegalArgumentException("Modbus timing of " + tries + " tries of " + timeoutMs + " ms");
      }
    }
  }

  public ModbusRtuDriver(Buses buses, String port, int baud, List<ModbusPoint> points) {
    this(buses, port, baud, Timing.FIELD, points);
  }

  /** A master with its own {@code timing}: the fuzz target's line holds all it will ever hold, so one try of 1 ms. */
  public ModbusRtuDriver(Buses buses, String port, int baud, Timing timing, List<ModbusPoint> points) {
    super("modbus_rtu", buses, port, SerialSettings.of8N1(baud), points.stream().map(ModbusPoint::spec).toList());
    this.points = List.copyOf(points);
    this.timing = timing;
  }

  @Override
  void onOpen(SerialLink link) throws IOException {
    connection = new LinkSerialConnection(link, settings());
    connection.transport().setTimeout(timing.timeoutMs());
  }

  @Override
  public Sample sample() throws IOException {
    List<ChannelValue> values = new ArrayList<>();
    for (ModbusPoint point : points) {
      values.add(read(point));
    }
    return new Sample(values);
  }

  private ChannelValue read(ModbusPoint point) throws IOException {
    link();
    int words = point.wide() ? 2 : 1;
    ModbusRequest request = point.function() == 4
        ? new ReadInputRegistersRequest(point.register(), words)
        : new ReadMultipleRegistersRequest(point.register(), words);
    request.setUnitID(point.slave());
    ModbusSerialTransaction transaction = new ModbusSerialTransaction(connection);
    transaction.setRequest(request);
    transaction.setRetries(timing.tries());
    long timeoutsBefore = connection.timeouts();
    try {
      transaction.execute();
    } catch (ModbusSlaveException e) {
      return point.spec().failed(ChannelStatus.DEVICE_ERROR,
          "slave " + point.slave() + " answered exception code " + e.getType() + ": " + e.getMessage());
    } catch (ModbusException e) {
      if (connection.failure() != null) {
        throw new IOException("Modbus port " + link().name() + " failed: " + connection.failure().getMessage(),
            connection.failure());
      }
      return point.spec().failed(classify(e, connection.timeouts() > timeoutsBefore),
          "slave " + point.slave() + " register " + point.register() + " after " + timing.tries() + " tries: " + e.getMessage());
    } catch (RuntimeException e) {
      // j2mod 3.2.1 indexes past its 256-byte buffer on some malformed answers (the fuzz target's
      // finding): bytes on the line it cannot read are a bad frame, not a driver that fails
      return point.spec().failed(ChannelStatus.BAD_FRAME,
          "slave " + point.slave() + " register " + point.register() + ": j2mod cannot read the answer: " + e);
    }
    return decode(point, transaction.getResponse(), words);
  }

  private static ChannelStatus classify(ModbusException e, boolean timedOut) {
    String message = String.valueOf(e.getMessage());
    if (message.contains("CRC")) {
      return ChannelStatus.CRC_ERROR;
    }
    return timedOut ? ChannelStatus.TIMEOUT : ChannelStatus.BAD_FRAME;
  }

  static ChannelValue decode(ModbusPoint point, ModbusResponse response, int words) {
    InputRegister[] registers;
    if (response instanceof ReadInputRegistersResponse r) {
      registers = r.getRegisters();
    } else if (response instanceof ReadMultipleRegistersResponse r) {
      registers = r.getRegisters();
    } else {
      return point.spec().failed(ChannelStatus.BAD_FRAME, "answer has function " + response.getFunctionCode());
    }
    if (response.getUnitID() != point.slave() || response.getFunctionCode() != point.function()
        || registers.length != words) {
      return point.spec().failed(ChannelStatus.BAD_FRAME, "answer from slave " + response.getUnitID() + " function "
          + response.getFunctionCode() + " with " + registers.length + " word(s), asked slave " + point.slave()
          + " function " + point.function() + " for " + words);
    }
    return point.spec().value(combine(point, registers), point.spec().exponent());
  }

  /** The register value as an integer: one word, or two in the configured order. */
  static long combine(ModbusPoint point, InputRegister[] registers) {
    if (!point.wide()) {
      return point.signed() ? registers[0].toShort() : registers[0].toUnsignedShort();
    }
    int high = registers[point.littleEndianWords() ? 1 : 0].toUnsignedShort();
    int low = registers[point.littleEndianWords() ? 0 : 1].toUnsignedShort();
    int value = high << 16 | low;
    return point.signed() ? value : Integer.toUnsignedLong(value);
  }
}

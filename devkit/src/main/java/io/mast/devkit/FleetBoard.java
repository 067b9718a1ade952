package io.mast.devkit;

import com.pi4j.context.Context;
import io.mast.drivers.Buses;
import io.mast.drivers.SerialLink;
import io.mast.drivers.SerialSettings;
import io.mast.sim.ModbusSlaveSimulator;
import java.io.IOException;
import java.util.SplittableRandom;

/**
 * The board of one pole of {@code mast fleet}: an RS-485 bus ({@value #BUS}) with one Modbus RTU
 * slave (address 1) whose input registers 0..K-1 are the pole's K sensors, answered inline on the
 * sampling thread ({@link ModbusSlaveSimulator#startInline}) so a pole costs no simulator thread.
 * Each request moves every register by a small random step (a slow random walk, as water quality
 * probes drift), so frames carry realistic deltas rather than constants. No GPIO.
 */
final class FleetBoard implements Buses {
  static final String BUS = "sim:rs485";

  private final ModbusSlaveSimulator slave = new ModbusSlaveSimulator();
  private final int registers;
  private final SplittableRandom random;
  private final int[] values;

  FleetBoard(int registers, long seed) {
    this.registers = registers;
    this.random = new SplittableRandom(seed);
    this.values = new int[registers];
    for (int i = 0; i < registers; i++) {
      values[i] = 500 + random.nextInt(500);
      slave.setRegister(1, 4, i, values[i]);
    }
  }

  @Override
  public SerialLink openSerial(String port, SerialSettings settings) throws IOException {
    if (!BUS.equals(port)) {
      throw new IOException("serial port " + port + " does not exist on a fleet pole (only " + BUS + ")");
    }
    SerialLink line = slave.startInline(port);
    return new SerialLink() {
      @Override
      public String name() {
        return line.name();
      }

      @Override
      public void write(byte[] bytes) throws IOException {
        drift();
        line.write(bytes);
      }

      @Override
      public int read(byte[] buffer, int offset, int length, long timeoutMillis) throws IOException {
        return line.read(buffer, offset, length, timeoutMillis);
      }

      @Override
      public int available() throws IOException {
        return line.available();
      }

      @Override
      public void close() {
        line.close();
      }
    };
  }

  private synchronized void drift() {
    for (int i = 0; i < registers; i++) {
      values[i] = Math.max(0, Math.min(0xFFFF, values[i] + random.nextInt(-3, 4)));
      slave.setRegister(1, 4, i, values[i]);
    }
  }

  @Override
  public Context gpio() throws IOException {
    throw new IOException("a fleet pole has no GPIO");
  }
}

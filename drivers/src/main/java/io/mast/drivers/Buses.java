package io.mast.drivers;

import com.pi4j.context.Context;
import java.io.IOException;
import java.util.function.LongSupplier;

/**
 * Where drivers get their hardware: serial ports by name and a Pi4J context for GPIO. The real
 * board's {@link BoardBuses} opens ports with jSerialComm and GPIO through the gpiod provider; the
 * simulated board hands out links to its device simulators and Pi4J's mock GPIO. Drivers never
 * know which one they have.
 */
public interface Buses {

  /** Opens the serial port {@code port} with {@code settings}; fails when it does not exist or is busy. */
  SerialLink openSerial(String port, SerialSettings settings) throws IOException;

  /** The Pi4J context whose default digital input provider reads this board's GPIO pins. */
  Context gpio() throws IOException;

  /**
   * The clock GPIO edges are timed with, in nanoseconds: {@link System#nanoTime()} on a real board.
   * The simulated board's clock runs ahead by the pulse widths it simulates, so thousands of
   * debounced pulses take no wall time.
   */
  default LongSupplier gpioClock() {
    return System::nanoTime;
  }
}

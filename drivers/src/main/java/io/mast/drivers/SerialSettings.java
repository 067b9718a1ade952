package io.mast.drivers;

/**
 * Line settings of a serial port: speed and parity, 8 data bits, 1 stop bit. The UART sensors and
 * Modbus devices use 8N1 (9600 by default); M-Bus uses 8E1 at 2400.
 */
public record SerialSettings(int baud, Parity parity) {

  public enum Parity { NONE, EVEN }

  public SerialSettings {
    if (baud < 300 || baud > 921_600) {
      throw new IllegalArgumentException("baud " + baud + " is outside 300..921600");
    }
  }

  public static SerialSettings of8N1(int baud) {
    return new SerialSettings(baud, Parity.NONE);
  }

  public static SerialSettings of8E1(int baud) {
    return new SerialSettings(baud, Parity.EVEN);
  }

  /** Seconds per character on the wire (11 bits with parity, 10 without), in microseconds. */
  public long characterMicros() {
    return (parity == Parity.NONE ? 10L : 11L) * 1_000_000 / baud;
  }
}

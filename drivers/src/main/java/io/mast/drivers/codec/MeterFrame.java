package io.mast.drivers.codec;

/**
 * What a CJ/T 188 and a DL/T 645 frame have in common: an address (low byte first, as on the
 * wire), a control code whose bit D7 says the meter sent it, and a data field.
 */
public interface MeterFrame {
  /** Control bit D7, in both standards: the frame comes from the meter. */
  int FROM_METER = 0x80;

  byte[] address();

  int control();

  byte[] data();

  /** The address as printed on the meter: most significant byte first, "AA" for wildcard bytes. */
  default String addressText() {
    return Bcd.address(address());
  }

  /** Whether the meter sent it (control bit D7); a master's request, or its echo, has it clear. */
  default boolean fromMeter() {
    return (control() & FROM_METER) != 0;
  }

  /** Checks a frame's fields as a constructor takes them, naming the standard in the message. */
  static void check(String standard, byte[] address, int addressBytes, byte[] data, int maxLength) {
    if (address.length != addressBytes) {
      throw new IllegalArgumentException("a " + standard + " address has " + addressBytes + " bytes, not " + address.length);
    }
    if (data.length > maxLength) {
      throw new IllegalArgumentException(standard + " data of " + data.length + " bytes exceeds the maximum " + maxLength);
    }
  }
}

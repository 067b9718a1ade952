package io.mast.drivers.codec;

import java.math.BigDecimal;

/**
 * Packed BCD as the meter standards send it: two decimal digits a byte, the least significant
 * byte first ("XXXXXX.XX" in four bytes is {@code 0x78 0x56 0x34 0x12} for 123456.78). A value
 * may carry a sign in the top bit of its most significant byte (DL/T 645 currents and powers).
 * A nibble above 9 is refused, never read as a number.
 */
public final class Bcd {
  private Bcd() {}

  /**
   * The unsigned decimal in {@code length} bytes from {@code offset}, low byte first, with
   * {@code decimals} digits after the point.
   */
  public static BigDecimal decode(byte[] bytes, int offset, int length, int decimals) throws MeterFrameException {
    return decode(bytes, offset, length, decimals, false);
  }

  /**
   * As {@link #decode(byte[], int, int, int)}; with {@code signed}, the top bit of the last
   * (most significant) byte is the sign and the rest of the byte its digits.
   */
  public static BigDecimal decode(byte[] bytes, int offset, int length, int decimals, boolean signed) throws MeterFrameException {
    long value = 0;
    boolean negative = false;
    for (int i = length - 1; i >= 0; i--) {
      int b = bytes[offset + i] & 0xFF;
      if (signed && i == length - 1) {
        negative = (b & 0x80) != 0;
        b &= 0x7F;
      }
      int high = b >> 4;
      int low = b & 0x0F;
      if (high > 9 || low > 9) {
        throw new MeterFrameException(MeterRejection.BAD_BCD,
            String.format("byte %02X at offset %d is not two BCD digits", bytes[offset + i] & 0xFF, offset + i));
      }
      value = value * 100 + high * 10 + low;
    }
    return BigDecimal.valueOf(negative ? -value : value, decimals);
  }

  /**
   * {@code value} as {@code length} BCD bytes, low byte first, its unscaled digits at
   * {@code decimals} places; with {@code signed}, a negative value sets the top bit of the last
   * byte. Throws when the value has more digits than fit.
   */
  public static byte[] encode(BigDecimal value, int length, int decimals, boolean signed) {
    BigDecimal scaled = value.setScale(decimals, java.math.RoundingMode.UNNECESSARY);
    long digits = scaled.unscaledValue().abs().longValueExact();
    boolean negative = scaled.signum() < 0;
    if (negative && !signed) {
      throw new IllegalArgumentException(value + " is negative and the field has no sign");
    }
    byte[] out = new byte[length];
    for (int i = 0; i < length; i++) {
      long two = digits % 100;
      digits /= 100;
      out[i] = (byte) ((two / 10) << 4 | two % 10);
    }
    if (digits != 0 || signed && (out[length - 1] & 0x80) != 0) {
      throw new IllegalArgumentException(value + " has more digits than " + length + " BCD bytes at " + decimals + " decimals hold");
    }
    if (negative) {
      out[length - 1] |= (byte) 0x80;
    }
    return out;
  }

  /** The address bytes (low byte first) as the digits printed on a meter's nameplate, "AA" kept. */
  public static String address(byte[] address) {
    StringBuilder s = new StringBuilder();
    for (int i = address.length - 1; i >= 0; i--) {
      s.append(String.format("%02X", address[i] & 0xFF));
    }
    return s.toString();
  }

  /**
   * The nameplate digits of an address ({@code bytes * 2} digits, each pair BCD or AA for the
   * wildcard) as the bytes a frame carries, low byte first.
   */
  public static byte[] address(String digits, int bytes) {
    if (!isAddress(digits, bytes)) {
      throw new IllegalArgumentException("'" + digits + "' is not a meter address of " + (bytes * 2)
          + " digits (each pair 00..99, or AA for any meter)");
    }
    byte[] out = new byte[bytes];
    for (int i = 0; i < bytes; i++) {
      int at = (bytes - 1 - i) * 2;
      out[i] = (byte) Integer.parseInt(digits.substring(at, at + 2), 16);
    }
    return out;
  }

  /** Whether {@code digits} is an address of {@code bytes} bytes: each pair two decimal digits or AA. */
  public static boolean isAddress(String digits, int bytes) {
    if (digits == null || digits.length() != bytes * 2) {
      return false;
    }
    for (int i = 0; i < digits.length(); i += 2) {
      String pair = digits.substring(i, i + 2);
      boolean decimal = isDigit(pair.charAt(0)) && isDigit(pair.charAt(1));
      if (!decimal && !pair.equalsIgnoreCase("AA")) {
        return false;
      }
    }
    return true;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** Whether address {@code got} is reached by {@code asked}, where each AA byte of {@code asked} stands for any byte. */
  public static boolean matches(byte[] asked, byte[] got) {
    if (asked.length != got.length) {
      return false;
    }
    for (int i = 0; i < asked.length; i++) {
      if ((asked[i] & 0xFF) != 0xAA && asked[i] != got[i]) {
        return false;
      }
    }
    return true;
  }

  /** Whether any byte of the address is the wildcard AA (the frame reaches whichever meter is on the bus). */
  public static boolean isWildcard(byte[] address) {
    for (byte b : address) {
      if ((b & 0xFF) == 0xAA) {
        return true;
      }
    }
    return false;
  }
}

package io.mast.protocol;

import java.util.zip.CRC32C;

/**
 * The CRC-32C that ends every frame and alarm message (format 2): the Castagnoli CRC of all the
 * bytes before it, written as the message's last field, {@code crc32c = 15} ({@code fixed32}):
 * the tag byte {@code 0x7d}, then the CRC little-endian. Being a protobuf field, it keeps the
 * message readable by {@code protoc --decode}; being the last 5 bytes, it is checked before
 * anything in the message is parsed, without the profile: a frame file, a stored or captured
 * payload can be verified alone. It costs 5 bytes a frame.
 */
public final class FrameIntegrity {
  /** Bytes the CRC adds to a message. */
  public static final int BYTES = 5;
  /** Field 15, wire type 5 (32-bit). */
  private static final int TAG = (15 << 3) | 5;

  private FrameIntegrity() {}

  /** {@code message} (a serialised Frame or Alarm without its CRC) with its CRC appended. */
  public static byte[] seal(byte[] message) {
    byte[] sealed = java.util.Arrays.copyOf(message, message.length + BYTES);
    int crc = crc(message, message.length);
    sealed[message.length] = (byte) TAG;
    for (int i = 0; i < 4; i++) {
      sealed[message.length + 1 + i] = (byte) (crc >>> (8 * i));
    }
    return sealed;
  }

  /**
   * Checks the CRC that ends {@code bytes}.
   *
   * @throws FrameCorruptException saying what is wrong: too short, no CRC where it belongs, or a
   *     CRC that does not match (a damaged copy)
   */
  public static void check(byte[] bytes, String what) throws FrameCorruptException {
    int n = bytes.length;
    if (n < BYTES) {
      throw new FrameCorruptException(what + " of " + n + " bytes is too short to carry its CRC-32C");
    }
    if ((bytes[n - BYTES] & 0xff) != TAG) {
      throw new FrameCorruptException(what + " does not end in its CRC-32C (a format 1 frame, or not a frame)");
    }
    int stored = 0;
    for (int i = 0; i < 4; i++) {
      stored |= (bytes[n - 4 + i] & 0xff) << (8 * i);
    }
    int computed = crc(bytes, n - BYTES);
    if (stored != computed) {
      throw new FrameCorruptException(String.format("%s fails its CRC-32C check (carries %08x, its bytes give %08x): a damaged copy",
          what, stored, computed));
    }
  }

  /** Whether {@code bytes} end in a CRC-32C that matches them. */
  public static boolean intact(byte[] bytes) {
    try {
      check(bytes, "message");
      return true;
    } catch (FrameCorruptException e) {
      return false;
    }
  }

  private static int crc(byte[] bytes, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, length);
    return (int) crc.getValue();
  }
}

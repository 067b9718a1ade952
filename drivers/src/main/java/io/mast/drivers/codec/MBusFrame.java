package io.mast.drivers.codec;

import java.util.Arrays;

/**
 * One M-Bus (EN 13757-2) link-layer frame as it was on the wire, checksum and stop byte included.
 * {@code control} and {@code address} are 0 for the single-character acknowledgement.
 */
public record MBusFrame(Type type, int control, int address, byte[] bytes) {

  /** The three frame formats a wired M-Bus carries (the control frame is not used by meters). */
  public enum Type { ACK, SHORT, LONG }

  public MBusFrame {
    bytes = bytes.clone();
  }

  @Override
  public byte[] bytes() {
    return bytes.clone();
  }

  /** The user data of a long frame: CI field onwards, without checksum and stop. */
  public byte[] userData() {
    if (type != Type.LONG) {
      throw new IllegalStateException("a " + type + " frame has no user data");
    }
    return Arrays.copyOfRange(bytes, 6, bytes.length - 2);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MBusFrame f && f.type == type && f.control == control && f.address == address
        && Arrays.equals(f.bytes, bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return type + " C=0x" + Integer.toHexString(control) + " A=" + address + " (" + bytes.length + " bytes)";
  }
}

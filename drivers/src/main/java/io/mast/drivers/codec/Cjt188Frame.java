package io.mast.drivers.codec;

import java.util.Arrays;

/**
 * One CJ/T 188-2004 frame, without its preamble, checksum and stop byte: the meter type T, the
 * seven address bytes A0..A6 (low byte first, as on the wire), the control code C and the data
 * field. See {@link Cjt188} for the layout and {@link Cjt188FrameDecoder} for the framing.
 */
public record Cjt188Frame(int meterType, byte[] address, int control, byte[] data) implements MeterFrame {

  public Cjt188Frame {
    MeterFrame.check("CJ/T 188", address, Cjt188.ADDRESS_BYTES, data, Cjt188.MAX_LENGTH);
    address = address.clone();
    data = data.clone();
  }

  @Override
  public byte[] address() {
    return address.clone();
  }

  @Override
  public byte[] data() {
    return data.clone();
  }



  /** The frame on the wire: {@code preamble} FE bytes, 68, T, A0..A6, C, L, data, CS, 16. */
  public byte[] wire(int preamble) {
    byte[] body = new byte[11 + data.length];
    body[0] = (byte) MeterFrameDecoder.START;
    body[1] = (byte) meterType;
    System.arraycopy(address, 0, body, 2, 7);
    body[9] = (byte) control;
    body[10] = (byte) data.length;
    System.arraycopy(data, 0, body, 11, data.length);
    return MeterFrameDecoder.wire(preamble, body);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cjt188Frame f && f.meterType == meterType && Arrays.equals(f.address, address)
        && f.control == control && Arrays.equals(f.data, data);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(address) * 31 + Arrays.hashCode(data) + control;
  }

  @Override
  public String toString() {
    return String.format("CJ/T 188 T=%02X A=%s C=%02X L=%d", meterType, addressText(), control, data.length);
  }
}

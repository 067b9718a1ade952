package io.mast.drivers.codec;

import java.util.Arrays;

/**
 * One DL/T 645-2007 frame, without its preamble, checksum and stop byte: the six address bytes
 * A0..A5 (low byte first, as on the wire), the control code C and the data field as the meter
 * means it (the 33h the wire adds to every data byte already taken off). See {@link Dlt645}.
 */
public record Dlt645Frame(byte[] address, int control, byte[] data) implements MeterFrame {

  public Dlt645Frame {
    MeterFrame.check("DL/T 645", address, Dlt645.ADDRESS_BYTES, data, Dlt645.MAX_LENGTH);
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



  /** The frame on the wire: {@code preamble} FE bytes, 68, A0..A5, 68, C, L, data + 33h each, CS, 16. */
  public byte[] wire(int preamble) {
    byte[] body = new byte[10 + data.length];
    body[0] = (byte) MeterFrameDecoder.START;
    System.arraycopy(address, 0, body, 1, 6);
    body[7] = (byte) MeterFrameDecoder.START;
    body[8] = (byte) control;
    body[9] = (byte) data.length;
    for (int i = 0; i < data.length; i++) {
      body[10 + i] = (byte) (data[i] + Dlt645.OFFSET);
    }
    return MeterFrameDecoder.wire(preamble, body);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Dlt645Frame f && Arrays.equals(f.address, address) && f.control == control && Arrays.equals(f.data, data);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(address) * 31 + Arrays.hashCode(data) + control;
  }

  @Override
  public String toString() {
    return String.format("DL/T 645 A=%s C=%02X L=%d", addressText(), control, data.length);
  }
}

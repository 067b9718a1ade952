package io.mast.drivers.codec;

import java.util.Arrays;

/**
 * Frames a DL/T 645-2007 byte stream into {@link Dlt645Frame}s (the framing rules are
 * {@link MeterFrameDecoder}'s), taking the 33h offset off every data byte:
 *
 * <pre>
 * offset  size  field
 *      -     n  FE FE ..   wake-up preamble, any number, skipped
 *      0     1  68         start
 *      1     6  A0..A5     address, BCD, low byte first (AA bytes: any meter)
 *      7     1  68         second start
 *      8     1  C          control: D7 from meter, D6 error answer, D5 more frames follow, D4..D0 function
 *      9     1  L          data length, at most 200 (the standard's cap for a read)
 *     10     L  data       each byte sent plus 33h; DI0 DI1 DI2 DI3 and the value, low bytes first
 *   10+L     1  CS         sum of bytes 0 .. 9+L as sent, mod 256
 *   11+L     1  16         stop
 * </pre>
 */
public final class Dlt645FrameDecoder extends MeterFrameDecoder<Dlt645Frame> {

  public Dlt645FrameDecoder() {
    super(10, 7, Dlt645.MAX_LENGTH);
  }

  @Override
  Dlt645Frame frame(byte[] bytes) {
    byte[] data = Arrays.copyOfRange(bytes, 10, bytes.length - 2);
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (data[i] - Dlt645.OFFSET);
    }
    return new Dlt645Frame(Arrays.copyOfRange(bytes, 1, 7), bytes[8] & 0xFF, data);
  }
}

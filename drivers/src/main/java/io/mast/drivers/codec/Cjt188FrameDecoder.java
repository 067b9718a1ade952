package io.mast.drivers.codec;

import java.util.Arrays;

/**
 * Frames a CJ/T 188-2004 byte stream into {@link Cjt188Frame}s (the framing rules are
 * {@link MeterFrameDecoder}'s):
 *
 * <pre>
 * offset  size  field
 *      -     n  FE FE ..   wake-up preamble, any number, skipped
 *      0     1  68         start
 *      1     1  T          meter type (10 cold water, 11 hot, 20 heat, 30 gas, AA any)
 *      2     7  A0..A6     address, BCD, low byte first (AA bytes: any meter)
 *      9     1  C          control: D7 from meter, D6 abnormal, D5..D0 function
 *     10     1  L          data length, 0..255
 *     11     L  data       DI0 DI1 SER and the function's fields
 *   11+L     1  CS         sum of bytes 0 .. 10+L, mod 256
 *   12+L     1  16         stop
 * </pre>
 */
public final class Cjt188FrameDecoder extends MeterFrameDecoder<Cjt188Frame> {

  public Cjt188FrameDecoder() {
    super(11, -1, Cjt188.MAX_LENGTH);
  }

  @Override
  Cjt188Frame frame(byte[] bytes) {
    return new Cjt188Frame(bytes[1] & 0xFF, Arrays.copyOfRange(bytes, 2, 9), bytes[9] & 0xFF,
        Arrays.copyOfRange(bytes, 11, bytes.length - 2));
  }
}

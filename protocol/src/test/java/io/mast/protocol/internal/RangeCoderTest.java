package io.mast.protocol.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mast.protocol.FrameFormatException;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RangeCoderTest {
  private static byte[] encode(long[] values) {
    RangeEncoder out = new RangeEncoder();
    new AdaptiveResidualCoder().write(out, values);
    return out.finish();
  }

  private static long[] decode(byte[] bytes, int n) throws FrameFormatException {
    long[] into = new long[n];
    RangeDecoder in = new RangeDecoder(bytes, 0);
    new AdaptiveResidualCoder().read(in, into);
    assertEquals(0, in.remaining(), "unread bytes");
    return into;
  }

  @Test
  void residualsRoundTripWithZeroRunsSmallAndFull64BitValues() throws Exception {
    Random random = new Random(3);
    for (int trial = 0; trial < 3000; trial++) {
      long[] values = new long[1 + random.nextInt(200)];
      for (int i = 0; i < values.length; i++) {
        int kind = random.nextInt(6);
        values[i] = kind < 3 ? 0 : kind == 3 ? random.nextLong() : kind == 4 ? -1L : random.nextInt(1 << random.nextInt(24));
      }
      assertArrayEquals(values, decode(encode(values), values.length), "trial " + trial);
    }
  }

  @Test
  void aLongZeroRunCostsFarLessThanABitPerValue() {
    long[] values = new long[4000];
    values[1234] = 7;
    assertEquals(true, encode(values).length < 40, "4000 residuals with one non-zero took " + encode(values).length + " bytes");
  }

  @Test
  void truncatedStreamIsRefusedOnceTheVirtualZerosRunOut() {
    long[] values = new Random(1).longs(64).toArray();
    byte[] bytes = encode(values);
    byte[] cut = Arrays.copyOf(bytes, bytes.length / 2);
    FrameFormatException e = assertThrows(FrameFormatException.class, () -> decode(cut, values.length));
    assertEquals("range-coded residuals truncated at byte " + cut.length, e.getMessage());
  }
}

package io.mast.protocol.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mast.protocol.FrameFormatException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BitCodesTest {
  private static String bits(BitWriter w) {
    StringBuilder sb = new StringBuilder();
    byte[] bytes = w.toByteArray();
    for (long i = 0; i < w.bitLength(); i++) {
      sb.append((bytes[(int) (i >>> 3)] >>> (7 - (i & 7))) & 1);
    }
    return sb.toString();
  }

  @Test
  void expGolombCodesSmallNumbersAsDocumented() {
    BitWriter w = new BitWriter();
    w.expGolomb(0); // "1"
    w.expGolomb(1); // "010"
    w.expGolomb(2); // "011"
    w.expGolomb(3); // "00100"
    assertEquals("1" + "010" + "011" + "00100", bits(w));
  }

  @Test
  void bigCodesBitLengthThenBitsBelowTheLeadingOne() {
    BitWriter w = new BitWriter();
    w.big(0); // length 0: "1"
    w.big(1); // length 1: "010", nothing below the leading one
    w.big(6); // length 3: "00100", then "10"
    assertEquals("1" + "010" + "00100" + "10", bits(w));
  }

  @Test
  void riceWritesUnaryQuotientThenLowBitsAndEscapesOutliers() {
    BitWriter w = new BitWriter();
    w.rice(5, 1); // q = 2: "110", low bit "1"
    assertEquals("110" + "1", bits(w));

    BitWriter escaped = new BitWriter();
    escaped.rice(1000, 0); // q = 1000 >= 16: sixteen ones, then big(1000)
    assertEquals("1".repeat(16) + "0001011" + "111101000", bits(escaped));
    assertEquals(16 + 7 + 9, BitWriter.riceCost(1000, 0));
  }

  @Test
  void everyCodeRoundTripsOverRandomValuesIncludingExtremes() throws Exception {
    Random random = new Random(7);
    long[] values = new long[2000];
    for (int i = 0; i < values.length; i++) {
      values[i] = switch (i % 4) {
        case 0 -> random.nextLong();
        case 1 -> random.nextInt(100);
        case 2 -> i % 8 == 2 ? -1L : Long.MIN_VALUE;
        default -> random.nextInt() & 0xFFFF_FFFFL;
      };
    }
    BitWriter w = new BitWriter();
    for (long v : values) {
      w.big(v);
      w.rice(v, (int) (Math.abs(v) % 64));
      w.varint(v);
    }
    BitReader r = new BitReader(w.toByteArray());
    for (long v : values) {
      assertEquals(v, r.big());
      assertEquals(v, r.rice((int) (Math.abs(v) % 64)));
      assertEquals(v, r.varint());
    }
    r.alignToByte();
  }

  @Test
  void readingPastTheEndIsRefusedWithThePosition() {
    BitReader r = new BitReader(new byte[] {(byte) 0b0000_0000});
    FrameFormatException e = assertThrows(FrameFormatException.class, r::expGolomb);
    assertEquals("frame body truncated at bit 8", e.getMessage());
  }

  @Test
  void overlongExpGolombIsRefusedNotLooped() {
    BitReader r = new BitReader(new byte[8]); // 64 zero bits: a 33+ zero prefix
    FrameFormatException e = assertThrows(FrameFormatException.class, r::expGolomb);
    assertEquals("exp-Golomb code longer than 32 bits at bit 33", e.getMessage());
  }
}

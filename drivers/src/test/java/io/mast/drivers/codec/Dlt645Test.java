package io.mast.drivers.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * DL/T 645-2007 framing and messages against frames laid out byte by byte: the 33h offset, the
 * data identifier sent DI0 first, signed BCD, the error byte named, and every way a frame can be
 * wrong refused with its reason.
 */
class Dlt645Test {
  /** Meter 000012345678: A0..A5 on the wire, low byte first. */
  private static final byte[] ADDRESS = Hex.bytes("78 56 34 12 00 00");

  /** Read phase A voltage (DI 02 01 01 00) of meter 000012345678. */
  private static final byte[] READ_VOLTAGE = Hex.bytes(
      "FE FE FE FE"               // wake-up preamble
      + " 68"                     // start
      + " 78 56 34 12 00 00"      // A0..A5: 000012345678
      + " 68"                     // second start
      + " 11"                     // C: read data
      + " 04"                     // L: the data identifier
      + " 33 34 34 35"            // DI0..DI3 = 00 01 01 02, each plus 33h
      + " C9"                     // CS: sum of 68 .. 35 as sent
      + " 16");

  /** Its answer: 230.5 V. */
  private static final byte[] VOLTAGE_ANSWER = Hex.bytes(
      "FE FE FE FE 68 78 56 34 12 00 00 68"
      + " 91"                     // C: normal answer to read data
      + " 06"                     // L: DI and two value bytes
      + " 33 34 34 35"            // DI echoed
      + " 38 56"                  // 05 23 plus 33h: 0230.5 V, XXX.X, low byte first
      + " D9 16");

  /** Combined active energy total: 12345.67 kWh (XXXXXX.XX: 67 45 23 01 plus 33h). */
  private static final byte[] ENERGY_ANSWER = Hex.bytes("68 78 56 34 12 00 00 68 91 08 33 33 33 33 9A 78 56 34 E5 16");

  /** Phase A current -1.234 A: XXX.XXX 34 12 00 with the sign bit set in the top byte (80), plus 33h. */
  private static final byte[] CURRENT_ANSWER = Hex.bytes("68 78 56 34 12 00 00 68 91 07 33 34 35 35 67 45 B3 AC 16");

  /** The error answer: D1, L 1, error byte 02 (no such data) plus 33h. */
  private static final byte[] NO_SUCH_DATA = Hex.bytes("68 78 56 34 12 00 00 68 D1 01 35 EB 16");

  @Test
  void encodesTheReadDataAndReadAddressRequestsOfTheStandard() {
    assertArrayEquals(READ_VOLTAGE, Dlt645.readData(ADDRESS, Dlt645.Item.VOLTAGE_A.di()).wire(4));
    assertArrayEquals(Hex.bytes("FE FE FE FE 68 AA AA AA AA AA AA 68 13 00 DF 16"), Dlt645.readAddress().wire(4));
    assertEquals("02 01 01 00", Dlt645.diText(Dlt645.Item.VOLTAGE_A.di()));
  }

  @Test
  void decodesEveryFrameWholeInChunksAndByteAtATimeWithTheOffsetTakenOff() {
    byte[] stream = Hex.concat(READ_VOLTAGE, VOLTAGE_ANSWER, NO_SUCH_DATA);
    for (int chunk : new int[] {stream.length, 1, 3}) {
      List<Dlt645Frame> frames = Hex.decode(new Dlt645FrameDecoder(), stream, chunk);
      assertEquals(3, frames.size(), "chunk " + chunk);
      assertArrayEquals(Hex.bytes("00 01 01 02"), frames.get(0).data());
      assertArrayEquals(Hex.bytes("00 01 01 02 05 23"), frames.get(1).data());
      assertEquals("000012345678", frames.get(1).addressText());
      assertArrayEquals(Hex.bytes("02"), frames.get(2).data());
    }
  }

  @Test
  void readsValuesWithTheirDecimalsAndSign() throws Exception {
    assertEquals(new BigDecimal("230.5"), parse(VOLTAGE_ANSWER, Dlt645.Item.VOLTAGE_A));
    assertEquals(new BigDecimal("12345.67"), parse(ENERGY_ANSWER, Dlt645.Item.ENERGY));
    assertEquals(new BigDecimal("-1.234"), parse(CURRENT_ANSWER, Dlt645.Item.CURRENT_A));
  }

  @Test
  void readsTheAddressOfTheOneMeterOnTheLine() throws Exception {
    assertEquals("000012345678", Dlt645.parseAddress(frame(Hex.bytes("68 78 56 34 12 00 00 68 93 06 AB 89 67 45 33 33 C3 16"))));
  }

  @Test
  void framingErrorsAreCountedByReasonAndTheNextFrameStillDecodes() {
    byte[] badChecksum = VOLTAGE_ANSWER.clone();
    badChecksum[badChecksum.length - 2] ^= 0x40;
    byte[] noSecondStart = Hex.bytes("68 78 56 34 12 00 00 69 91 00 00 16");
    byte[] tooLong = Hex.bytes("68 78 56 34 12 00 00 68 91 C9");   // L = 201, above the standard's 200
    byte[] noStop = VOLTAGE_ANSWER.clone();
    noStop[noStop.length - 1] = 0x00;
    for (Map.Entry<byte[], MeterRejection> c : Map.of(badChecksum, MeterRejection.BAD_CHECKSUM,
        noSecondStart, MeterRejection.NO_SECOND_START, tooLong, MeterRejection.BAD_LENGTH, noStop, MeterRejection.NO_STOP,
        Hex.bytes("01 02 03"), MeterRejection.GARBAGE).entrySet()) {
      for (int chunk : new int[] {1, 4, 300}) {
        Dlt645FrameDecoder decoder = new Dlt645FrameDecoder();
        assertEquals(List.of(frame(VOLTAGE_ANSWER)), Hex.decode(decoder, Hex.concat(c.getKey(), VOLTAGE_ANSWER), chunk),
            c.getValue() + " chunk " + chunk);
        assertTrue(decoder.rejections().getOrDefault(c.getValue(), 0L) > 0, c.getValue() + ": " + decoder.rejections());
      }
    }
  }

  @Test
  void everyWrongAnswerIsRefusedWithItsReason() {
    assertRefused(MeterRejection.METER_ERROR, NO_SUCH_DATA, "error byte 02: no such data");
    assertRefused(MeterRejection.METER_ERROR, Hex.bytes("68 78 56 34 12 00 00 68 D1 01 38 EE 16"),
        "error byte 05: other error, password wrong or not authorised");
    assertRefused(MeterRejection.UNEXPECTED_CONTROL, READ_VOLTAGE, "a request");
    assertRefused(MeterRejection.WRONG_ADDRESS, Hex.patch(VOLTAGE_ANSWER, 1, 0x79), "answer from 000012345679");
    assertRefused(MeterRejection.WRONG_DATA_ID, Hex.patch(VOLTAGE_ANSWER, 12, 0x35), "02 02 01 00");
    assertRefused(MeterRejection.WRONG_DATA_ID, ENERGY_ANSWER, "00 00 00 00, asked 02 01 01 00");
    assertRefused(MeterRejection.BAD_DATA_LENGTH, Hex.rechecksum(Hex.bytes("68 78 56 34 12 00 00 68 91 07 33 34 34 35 38 56 33 00 16")),
        "data field of 7 bytes");
    assertRefused(MeterRejection.BAD_BCD, Hex.patch(VOLTAGE_ANSWER, 14, 0x33 + 0x0A), "byte 0A");
  }

  private static void assertRefused(MeterRejection reason, byte[] wire, String detail) {
    MeterFrameException e = assertThrows(MeterFrameException.class, () -> parse(wire, Dlt645.Item.VOLTAGE_A));
    assertEquals(reason, e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains(detail), e.getMessage());
  }

  private static BigDecimal parse(byte[] wire, Dlt645.Item item) throws MeterFrameException {
    return Dlt645.parseData(frame(wire), Dlt645.readData(ADDRESS, item.di()), item);
  }

  private static Dlt645Frame frame(byte[] wire) {
    List<Dlt645Frame> frames = Hex.decode(new Dlt645FrameDecoder(), wire, wire.length);
    assertEquals(1, frames.size(), "one frame expected");
    return frames.get(0);
  }

}

package io.mast.drivers.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * CJ/T 188-2004 framing and messages against frames laid out byte by byte as the standard draws
 * them: decoded whole, in chunks and one byte at a time; every way a frame can be wrong refused
 * with its reason; the decoder found again after each.
 */
class Cjt188Test {
  /** Meter 12345678901234: on the wire A0..A6, low byte first. */
  private static final byte[] ADDRESS = Hex.bytes("34 12 90 78 56 34 12");

  /** Read current data, cold water meter 12345678901234, SER 05. */
  private static final byte[] READ_DATA = Hex.bytes(
      "FE FE FE"                  // wake-up preamble
      + " 68"                     // start
      + " 10"                     // T: cold water meter
      + " 34 12 90 78 56 34 12"   // A0..A6: 12345678901234
      + " 01"                     // C: read data, master to meter
      + " 03"                     // L: 3 data bytes
      + " 1F 90"                  // DI 901F, low byte first
      + " 05"                     // SER
      + " 1A"                     // CS: sum of 68 .. 05
      + " 16");                   // stop

  /** The water meter's answer: 1234.56 m3 now, 1200.00 m3 at settlement, 2026-12-06 20:15:30, valve closed, battery low. */
  private static final byte[] WATER_ANSWER = Hex.bytes(
      "FE FE 68 10 34 12 90 78 56 34 12"
      + " 81"                     // C: answer to read data
      + " 16"                     // L: 22
      + " 1F 90 05"               // DI, SER echoed
      + " 56 34 12 00 2C"         // current accumulated flow 001234.56, unit 2C = m3
      + " 00 00 12 00 2C"         // settlement day flow 001200.00 m3
      + " 30 15 20 06 12 26 20"   // time: 30 s, 15 min, 20 h, day 06, month 12, year 2026 (26 20)
      + " 05 00"                  // ST0 = 05: valve 01 closed, D2 battery low; ST1 = 00
      + " 7B 16");

  /** A heat meter 20250000000303 answering SER 09 with the 46-byte heat layout. */
  private static final byte[] HEAT_ANSWER = Hex.bytes(
      "68 20 03 03 00 00 00 25 20 81 2E 1F 90 09"
      + " 00 50 34 12 05"         // settlement day heat 123450.00 kWh (05)
      + " 25 61 34 12 05"         // current heat 123461.25 kWh
      + " 50 12 00 00 17"         // heat power 12.50 kW (17)
      + " 00 25 01 00 35"         // flow 0001.2500 m3/h (35)
      + " 78 56 04 00 2C"         // accumulated flow 456.78 m3
      + " 50 65 00"               // supply 65.50 degC
      + " 20 42 00"               // return 42.20 degC
      + " 34 12 00"               // working time 1234 h
      + " 00 00 08 01 01 27 20"   // 2027-01-01 08:00:00
      + " 00 00"                  // ST: valve open, battery fine
      + " 26 16");

  /** An abnormal answer to read data: C1, L 3, SER, ST0 03 (valve abnormal), ST1 00. */
  private static final byte[] ABNORMAL = Hex.bytes("68 10 34 12 90 78 56 34 12 C1 03 05 03 00 2E 16");

  private static Cjt188Frame request() {
    return Cjt188.readData(Cjt188.COLD_WATER, ADDRESS, 5, Cjt188.DiOrder.LOW_FIRST);
  }

  @Test
  void encodesTheReadDataAndReadAddressRequestsOfTheStandard() {
    assertArrayEquals(READ_DATA, request().wire(3));
    assertArrayEquals(Hex.bytes("FE FE FE 68 10 34 12 90 78 56 34 12 01 03 90 1F 05 1A 16"),
        Cjt188.readData(Cjt188.COLD_WATER, ADDRESS, 5, Cjt188.DiOrder.HIGH_FIRST).wire(3));
    assertArrayEquals(Hex.bytes("FE FE FE 68 AA AA AA AA AA AA AA AA 03 03 0A 81 07 50 16"),
        Cjt188.readAddress(7, Cjt188.DiOrder.LOW_FIRST).wire(3));
    assertArrayEquals(Hex.bytes("68 10 34 12 90 78 56 34 12 04 04 17 A0 05 99 BF 16"),
        Cjt188.valve(Cjt188.COLD_WATER, ADDRESS, 5, false, Cjt188.DiOrder.LOW_FIRST).wire(0));
  }

  @Test
  void decodesEveryFrameWholeInChunksAndByteAtATime() {
    byte[] stream = Hex.concat(READ_DATA, WATER_ANSWER, HEAT_ANSWER, ABNORMAL);
    for (int chunk : new int[] {stream.length, 1, 2, 7}) {
      List<Cjt188Frame> frames = Hex.decode(new Cjt188FrameDecoder(), stream, chunk);
      assertEquals(4, frames.size(), "chunk " + chunk);
      assertEquals(request(), frames.get(0));
      assertFalse(frames.get(0).fromMeter());
      assertEquals("12345678901234", frames.get(1).addressText());
      assertEquals(0x81, frames.get(1).control());
      assertEquals(22, frames.get(1).data().length);
      assertEquals("20250000000303", frames.get(2).addressText());
      assertEquals(0xC1, frames.get(3).control());
    }
  }

  @Test
  void readsEveryFieldOfAWaterMetersAnswer() throws Exception {
    Cjt188Data data = Cjt188.parseData(frame(WATER_ANSWER), request());
    assertEquals(new Cjt188Data.Value(new BigDecimal("1234.56"), MeterUnit.M3), data.value("volume").orElseThrow());
    assertEquals(new Cjt188Data.Value(new BigDecimal("1200.00"), MeterUnit.M3), data.value("volume_settlement").orElseThrow());
    assertEquals(LocalDateTime.of(2026, 12, 6, 20, 15, 30), data.meterTime());
    assertEquals(Cjt188Data.Valve.CLOSED, data.valve());
    assertTrue(data.batteryLow());
    assertEquals(0x0005, data.status());
    assertEquals(Cjt188.COLD_WATER, data.meterType());
  }

  @Test
  void readsEveryFieldOfAHeatMetersAnswer() throws Exception {
    Cjt188Frame asked = Cjt188.readData(Cjt188.HEAT, Bcd.address("20250000000303", 7), 9, Cjt188.DiOrder.LOW_FIRST);
    Cjt188Data data = Cjt188.parseData(frame(HEAT_ANSWER), asked);
    assertEquals(Map.of(
        "heat_settlement", new Cjt188Data.Value(new BigDecimal("123450.00"), MeterUnit.KWH),
        "heat", new Cjt188Data.Value(new BigDecimal("123461.25"), MeterUnit.KWH),
        "power", new Cjt188Data.Value(new BigDecimal("12.50"), MeterUnit.KW),
        "flow", new Cjt188Data.Value(new BigDecimal("1.2500"), MeterUnit.M3_PER_H),
        "volume", new Cjt188Data.Value(new BigDecimal("456.78"), MeterUnit.M3),
        "supply_temp", new Cjt188Data.Value(new BigDecimal("65.50"), MeterUnit.DEG_C),
        "return_temp", new Cjt188Data.Value(new BigDecimal("42.20"), MeterUnit.DEG_C),
        "hours", new Cjt188Data.Value(new BigDecimal("1234"), MeterUnit.HOURS)), data.values());
    assertEquals(LocalDateTime.of(2027, 1, 1, 8, 0, 0), data.meterTime());
    assertEquals(Cjt188Data.Valve.OPEN, data.valve());
    assertFalse(data.batteryLow());
  }

  @Test
  void takesTheDataIdentifierInEitherOrderAndTheAddressOfTheOneMeter() throws Exception {
    byte[] swapped = WATER_ANSWER.clone();
    swapped[13] = (byte) 0x90; // DI high byte first: 90 1F
    swapped[14] = 0x1F;
    assertEquals(new BigDecimal("1234.56"), Cjt188.parseData(frame(Hex.rechecksum(swapped)), request()).value("volume").orElseThrow().amount());
    Cjt188Frame ask = Cjt188.readAddress(7, Cjt188.DiOrder.LOW_FIRST);
    assertEquals("12345678901234", Cjt188.parseAddress(frame(Hex.bytes("68 10 34 12 90 78 56 34 12 83 03 0A 81 07 7A 16")), ask));
  }

  @Test
  void framingErrorsAreCountedByReasonAndTheNextFrameStillDecodes() {
    byte[] badChecksum = WATER_ANSWER.clone();
    badChecksum[badChecksum.length - 2] ^= 0x01;
    byte[] noStop = WATER_ANSWER.clone();
    noStop[noStop.length - 1] = 0x17;
    byte[] garbage = Hex.bytes("00 13 37 FF 68");   // ends in a start byte whose frame never closes well
    for (Map.Entry<byte[], MeterRejection> c : Map.of(badChecksum, MeterRejection.BAD_CHECKSUM, noStop, MeterRejection.NO_STOP,
        garbage, MeterRejection.GARBAGE).entrySet()) {
      for (int chunk : new int[] {1, 5, 200}) {
        Cjt188FrameDecoder decoder = new Cjt188FrameDecoder();
        List<Cjt188Frame> frames = Hex.decode(decoder, Hex.concat(c.getKey(), WATER_ANSWER), chunk);
        assertEquals(List.of(frame(WATER_ANSWER)), frames, c.getValue() + " chunk " + chunk);
        assertTrue(decoder.rejections().getOrDefault(c.getValue(), 0L) > 0, c.getValue() + ": " + decoder.rejections());
      }
    }
  }

  @Test
  void aTruncatedFrameYieldsNothingUntilItsRestComes() {
    Cjt188FrameDecoder decoder = new Cjt188FrameDecoder();
    assertEquals(List.of(), Hex.decode(decoder, java.util.Arrays.copyOf(WATER_ANSWER, 20), 1));
    assertEquals(Map.of(), decoder.rejections());
  }

  @Test
  void everyWrongAnswerIsRefusedWithItsReason() {
    assertRefused(MeterRejection.METER_ERROR, ABNORMAL, "abnormal (C C1), status ST 0003");
    assertRefused(MeterRejection.UNEXPECTED_CONTROL, READ_DATA, "a request");
    assertRefused(MeterRejection.WRONG_ADDRESS, Hex.patch(WATER_ANSWER, 3, 0x13), "answer from 12345678901334");
    assertRefused(MeterRejection.WRONG_METER_TYPE, Hex.patch(WATER_ANSWER, 1, 0x30), "gas meter");
    assertRefused(MeterRejection.WRONG_DATA_ID, Hex.patch(WATER_ANSWER, 11, 0x2F), "2F 90");
    assertRefused(MeterRejection.WRONG_SEQUENCE, Hex.patch(WATER_ANSWER, 13, 0x06), "sequence number 6, asked 5");
    assertRefused(MeterRejection.BAD_BCD, Hex.patch(WATER_ANSWER, 14, 0x5A), "byte 5A");
    assertRefused(MeterRejection.UNKNOWN_UNIT, Hex.patch(WATER_ANSWER, 18, 0x2B), "unit code 2B");
    assertRefused(MeterRejection.UNKNOWN_UNIT, Hex.patch(WATER_ANSWER, 18, 0x05), "not a unit of volume");
    byte[] shortAnswer = Hex.bytes("68 10 34 12 90 78 56 34 12 81 08 1F 90 05 56 34 12 00 2C 00 16");
    assertRefused(MeterRejection.BAD_DATA_LENGTH, Hex.rechecksum(shortAnswer), "data field of 8 bytes");
  }

  private static void assertRefused(MeterRejection reason, byte[] wire, String detail) {
    MeterFrameException e = assertThrows(MeterFrameException.class, () -> Cjt188.parseData(frame(wire), request()));
    assertEquals(reason, e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains(detail), e.getMessage());
  }

  /** The one frame in {@code wire}. */
  static Cjt188Frame frame(byte[] wire) {
    List<Cjt188Frame> frames = Hex.decode(new Cjt188FrameDecoder(), wire, wire.length);
    assertEquals(1, frames.size(), "one frame expected");
    return frames.get(0);
  }

}

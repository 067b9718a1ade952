package io.mast.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.protocol.internal.pb.Frame;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameCodecTest {
  static final ChannelProfile ONE_MINUTE = ChannelProfile.of(List.of(
      new Channel(0, "air.pm25", "ug/m3", 0, 60, Channel.Kind.GAUGE, "")));

  static final ChannelProfile POLE = ChannelProfile.of(List.of(
      new Channel(0, "air.pm25", "ug/m3", 0, 10, Channel.Kind.GAUGE, ""),
      new Channel(1, "air.temp", "degC", -1, 10, Channel.Kind.GAUGE, ""),
      new Channel(2, "water.volume", "L", 0, 3600, Channel.Kind.COUNTER, "")));

  private static byte[] hex(String s) {
    return java.util.HexFormat.of().parseHex(s.replace(" ", ""));
  }

  @Test
  void threeSteadyReadingsOnTheirNominalIntervalEncodeToTheseFourBodyBytes() throws Exception {
    List<Reading> readings = List.of(new Reading(0, 1000, 5), new Reading(0, 1060, 5), new Reading(0, 1120, 5));
    byte[] frame = FrameEncoder.builder(ONE_MINUTE).build().encode(readings, 7).get(0).bytes();

    // Body bits (a shared time axis would take 5 bytes, so the series carries its own times):
    //   1           no time axes
    //   1           series count - 1 = 0
    //   00          channel gaps column: ZERO (channel 0)
    //   011         largest count - 1 = 2
    //   00          largest count - counts column: ZERO
    //   00          first times column: ZERO (at base_time)
    //   00          time predictors column: ZERO (gap minus the channel's nominal 60 s)
    //   0           first values are not signed
    //   01 1 111110 first values column: RICE, k = 0, value 5
    //   10          time residuals: range-coded tail (two zero residuals)
    //   10          value residuals: range-coded tail (two zero residuals)
    //   000000      padding; the tail is all zero bytes, which are trimmed
    byte[] body = hex("C6 01 FD 40");
    byte[] expected = sealed(Frame.newBuilder().setFormat(2).setProfileId(ONE_MINUTE.id()).setSeq(7).setBaseTime(1000)
        .setBody(com.google.protobuf.ByteString.copyFrom(body)));
    assertArrayEquals(expected, frame);
    // 08 02 format | 15 xx xx xx xx profile | 18 07 seq | 20 E8 07 base time | 32 04 body | 7D xx xx xx xx CRC-32C
    assertEquals(2 + 5 + 2 + 3 + 2 + 4 + 5, frame.length);
    assertEquals(0, Frame.parseFrom(Arrays.copyOf(frame, frame.length - 5)).getCrc32C(), "the CRC is the last field");
    assertEquals(Frame.parseFrom(frame).getCrc32C(), (int) crc32c(Arrays.copyOf(frame, frame.length - 5)), "of the bytes before it");
    assertEquals(readings, new FrameDecoder(ONE_MINUTE).decode(frame).readings());
  }

  @Test
  void aSharedTimeAxisIsChosenWhenSeveralChannelsShareAGrid() throws Exception {
    ChannelProfile air = ChannelProfile.of(List.of(
        new Channel(0, "a", "", 0, 60, Channel.Kind.GAUGE, ""),
        new Channel(1, "b", "", 0, 60, Channel.Kind.GAUGE, ""),
        new Channel(2, "c", "", 0, 60, Channel.Kind.GAUGE, "")));
    List<Reading> readings = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      for (int c = 0; c < 3; c++) {
        if (!(c == 1 && i % 7 == 3)) {
          readings.add(new Reading(c, 600L * 1000 + 60L * i, i * (c + 1)));
        }
      }
    }
    byte[] frame = FrameEncoder.builder(air).build().encode(readings, 1).get(0).bytes();
    byte[] body = Frame.parseFrom(frame).getBody().toByteArray();
    assertEquals(0b010, (body[0] & 0xFF) >>> 5, "one time axis");
    readings.sort(Reading.BY_TIME_THEN_CHANNEL);
    assertEquals(readings, new FrameDecoder(air).decode(frame).readings());
  }

  @Test
  void everyTruncationIsRefusedWithAFormatErrorAndTheWholeFrameStillDecodes() throws Exception {
    List<Reading> readings = RandomSeries.pole(new java.util.Random(5), 1_700_000_000L, 300);
    byte[] frame = FrameEncoder.builder(POLE).maxFrameBytes(65_535).build().encode(readings, 1).get(0).bytes();
    FrameDecoder decoder = new FrameDecoder(POLE);
    for (int length = 0; length < frame.length; length++) {
      byte[] cut = Arrays.copyOf(frame, length);
      // A prefix may still parse as protobuf (the body field cut short is not), but never as a frame.
      assertThrows(FrameFormatException.class, () -> decoder.decode(cut), "prefix of " + length + " bytes");
    }
    List<Reading> sorted = new ArrayList<>(readings);
    sorted.sort(Reading.BY_TIME_THEN_CHANNEL);
    assertEquals(sorted, decoder.decode(frame).readings());
  }

  @Test
  void unknownFormatIsRefusedByNumberAndFormatOneForItsMissingCrc() {
    byte[] frame = sealed(Frame.newBuilder().setFormat(3).setProfileId(POLE.id()).setBody(com.google.protobuf.ByteString.copyFrom(new byte[] {1})));
    FrameFormatException e = assertThrows(FrameFormatException.class, () -> new FrameDecoder(POLE).decode(frame));
    assertEquals("unknown frame format 3 (this decoder reads format 2)", e.getMessage());
    byte[] formatOne = Frame.newBuilder().setFormat(1).setProfileId(ONE_MINUTE.id()).setSeq(7).setBaseTime(1000)
        .setBody(com.google.protobuf.ByteString.copyFrom(hex("C6 01 FD 40"))).build().toByteArray();
    e = assertThrows(FrameCorruptException.class, () -> new FrameDecoder(ONE_MINUTE).decode(formatOne));
    assertEquals("frame does not end in its CRC-32C (a format 1 frame, or not a frame)", e.getMessage());
  }

  @Test
  void everySingleBitFlipAndEveryBurstOfUpTo32BitsIsRefusedBeforeParsing() throws Exception {
    List<Reading> readings = RandomSeries.pole(new java.util.Random(21), 1_700_000_000L, 300);
    FrameEncoder encoder = FrameEncoder.builder(POLE).build();
    FrameDecoder decoder = new FrameDecoder(POLE);
    int flips = 0;
    for (EncodedFrame f : encoder.encode(readings, 1)) {
      byte[] frame = f.bytes();
      for (int bit = 0; bit < frame.length * 8; bit++) {
        byte[] bad = frame.clone();
        bad[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
        assertThrows(FrameCorruptException.class, () -> decoder.decode(bad), "bit " + bit);
        flips++;
      }
    }
    java.util.Random random = new java.util.Random(23);
    byte[] frame = encoder.encode(readings, 1).get(0).bytes();
    for (int i = 0; i < 20_000; i++) {
      int length = 1 + random.nextInt(32);
      int start = random.nextInt(frame.length * 8 - length + 1);
      byte[] bad = frame.clone();
      // a burst: its first and last bits flipped, the ones between at random
      for (int b = start; b < start + length; b++) {
        if (b == start || b == start + length - 1 || random.nextBoolean()) {
          bad[b / 8] ^= (byte) (0x80 >>> (b % 8));
        }
      }
      assertThrows(FrameCorruptException.class, () -> decoder.decode(bad), "burst of " + length + " bits at " + start);
    }
    assertTrue(flips > 2_000, flips + " single-bit flips");
  }

  @Test
  void frameForAnotherProfileIsRefused() throws Exception {
    byte[] frame = FrameEncoder.builder(ONE_MINUTE).build().encode(List.of(new Reading(0, 1, 1)), 3).get(0).bytes();
    FrameFormatException e = assertThrows(FrameFormatException.class, () -> new FrameDecoder(POLE).decode(frame));
    assertEquals(String.format("frame 3 is for profile %08x, not the loaded profile %s", ONE_MINUTE.id(), POLE.hexId()), e.getMessage());
  }

  @Test
  void oversizedInputIsRefusedBeforeParsing() {
    FrameFormatException e = assertThrows(FrameFormatException.class, () -> new FrameDecoder(POLE).decode(new byte[70_000]));
    assertEquals("frame length 70000 exceeds the maximum 65535", e.getMessage());
  }

  @Test
  void hugeClaimedAxisIsRefusedWithoutAllocating() {
    // 010 one axis | 1 start 0 | 010 step 1 | slots - 1 = 2^20 - 1 in exp-Golomb (20 zeros, 21 bits)
    StringBuilder bits = new StringBuilder("010" + "1" + "010" + "0".repeat(20) + "1" + "0".repeat(20) + "1");
    while (bits.length() % 8 != 0) {
      bits.append('0');
    }
    byte[] body = new byte[bits.length() / 8];
    for (int i = 0; i < bits.length(); i++) {
      body[i / 8] |= (byte) ((bits.charAt(i) - '0') << (7 - i % 8));
    }
    byte[] frame = sealed(Frame.newBuilder().setFormat(2).setProfileId(POLE.id()).setBody(com.google.protobuf.ByteString.copyFrom(body)));
    FrameFormatException e = assertThrows(FrameFormatException.class, () -> new FrameDecoder(POLE).decode(frame));
    assertEquals("time axis of 1048576 slots exceeds the maximum 65535", e.getMessage());
  }

  @Test
  void moreSeriesThanTheProfileHasChannelsIsRefused() {
    // 1 no axes | 0001000 series count - 1 = 7 (eight series, profile has three)
    byte[] frame = sealed(Frame.newBuilder().setFormat(2).setProfileId(POLE.id())
        .setBody(com.google.protobuf.ByteString.copyFrom(new byte[] {(byte) 0b1000_1000, 0})));
    FrameFormatException e = assertThrows(FrameFormatException.class, () -> new FrameDecoder(POLE).decode(frame));
    assertEquals("frame claims 8 series for a profile of 3 channels", e.getMessage());
  }

  @Test
  void trailingBytesAfterTheLastSeriesAreRefused() throws Exception {
    List<Reading> readings = List.of(new Reading(0, 1000, 5), new Reading(0, 1060, 5), new Reading(0, 1120, 5));
    byte[] body = hex("C6 01 FD 40 00");
    byte[] frame = sealed(Frame.newBuilder().setFormat(2).setProfileId(ONE_MINUTE.id()).setSeq(7).setBaseTime(1000)
        .setBody(com.google.protobuf.ByteString.copyFrom(body)));
    FrameFormatException e = assertThrows(FrameFormatException.class, () -> new FrameDecoder(ONE_MINUTE).decode(frame));
    assertEquals("frame body has 1 bytes after its range-coded residuals", e.getMessage());
    assertEquals(3, readings.size());
  }

  @Test
  void randomBytesNeverEscapeAsAnythingButAFormatError() {
    java.util.Random random = new java.util.Random(11);
    FrameDecoder decoder = new FrameDecoder(POLE);
    for (int i = 0; i < 20_000; i++) {
      byte[] body = new byte[random.nextInt(64)];
      random.nextBytes(body);
      // sealed, so the body decoder meets the random bytes
      byte[] frame = sealed(Frame.newBuilder().setFormat(2).setProfileId(POLE.id()).setBaseTime(random.nextLong())
          .setBody(com.google.protobuf.ByteString.copyFrom(body)));
      try {
        decoder.decode(frame);
      } catch (FrameFormatException expected) {
        // counted and dropped by callers
      }
      byte[] raw = new byte[random.nextInt(100)];
      random.nextBytes(raw);
      try {
        decoder.decode(raw);
      } catch (FrameFormatException expected) {
        // counted and dropped by callers
      }
    }
  }

  @Test
  void alarmCarriesItsReadingAsAFrame() throws Exception {
    FrameEncoder encoder = FrameEncoder.builder(POLE).build();
    byte[] alarm = encoder.encodeAlarm(new Reading(0, 1_700_000_123L, 180), 42, 3, true, 150);
    DecodedFrame frame = new FrameDecoder(POLE).decodeAlarm(alarm);
    assertEquals(42, frame.seq());
    assertEquals(List.of(new Reading(0, 1_700_000_123L, 180)), frame.readings());
    assertTrue(FrameIntegrity.intact(alarm), "the alarm ends in its CRC-32C");
    for (int bit = 0; bit < alarm.length * 8; bit++) {
      byte[] bad = alarm.clone();
      bad[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
      assertThrows(FrameCorruptException.class, () -> new FrameDecoder(POLE).decodeAlarm(bad), "bit " + bit);
    }
  }

  @Test
  void encoderRefusesAChannelOutsideTheProfile() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> FrameEncoder.builder(POLE).build().encode(List.of(new Reading(9, 1, 1)), 1));
    assertEquals(String.format("channel id 9 is not in profile %s of 3 channels", POLE.hexId()), e.getMessage());
  }

  @Test
  void maxFrameBytesOutsideItsRangeIsRefusedWithTheValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FrameEncoder.builder(POLE).maxFrameBytes(100).build());
    assertEquals("max frame bytes 100 is outside 128..65535", e.getMessage());
  }

  @Test
  void aSteadyCounterDayCostsAFewBytes() throws Exception {
    List<Reading> readings = new ArrayList<>();
    for (int i = 0; i < 8640; i++) {
      readings.add(new Reading(2, 1_700_000_000L + 10L * i, 123_456));
    }
    byte[] frame = FrameEncoder.builder(POLE).build().encode(readings, 1).get(0).bytes();
    assertTrue(frame.length < 40, "8640 identical counter readings took " + frame.length + " bytes");
  }

  private static byte[] sealed(Frame.Builder frame) {
    return FrameIntegrity.seal(frame.build().toByteArray());
  }

  private static long crc32c(byte[] bytes) {
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(bytes);
    return crc.getValue();
  }
}

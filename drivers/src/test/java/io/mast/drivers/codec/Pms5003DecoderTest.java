package io.mast.drivers.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class Pms5003DecoderTest {
  /** A frame as the datasheet lays it out, field by field. */
  static final byte[] FRAME = bytes(
      0x42, 0x4D,  // start "BM"
      0x00, 0x1C,  // length 28
      0x00, 0x05,  // PM1.0 CF=1: 5 ug/m3
      0x00, 0x08,  // PM2.5 CF=1: 8
      0x00, 0x09,  // PM10 CF=1: 9
      0x00, 0x05,  // PM1.0 atmospheric: 5
      0x00, 0x08,  // PM2.5 atmospheric: 8
      0x00, 0x09,  // PM10 atmospheric: 9
      0x03, 0xFC,  // > 0.3 um: 1020 per 0.1 L
      0x01, 0x2C,  // > 0.5 um: 300
      0x00, 0x28,  // > 1.0 um: 40
      0x00, 0x03,  // > 2.5 um: 3
      0x00, 0x01,  // > 5.0 um: 1
      0x00, 0x00,  // > 10 um: 0
      0x97, 0x00,  // reserved: version 0x97, error code 0
      0x02, 0xC6); // checksum: 0x42 + 0x4D + ... + 0x00 = 0x02C6
  static final Pms5003Frame DECODED = new Pms5003Frame(5, 8, 9, 5, 8, 9, 1020, 300, 40, 3, 1, 0);

  static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }

  static byte[] concat(byte[]... parts) {
    return ByteArrays.concat(parts);
  }

  @Test
  void aWholeFrameDecodes() {
    EmbeddedChannel ch = new EmbeddedChannel(new Pms5003Decoder());
    ch.writeInbound(Unpooled.wrappedBuffer(FRAME));
    assertEquals(DECODED, ch.readInbound());
    assertNull(ch.readInbound());
  }

  @Test
  void framesFedOneByteAtATimeDecode() {
    Pms5003Decoder decoder = new Pms5003Decoder();
    EmbeddedChannel ch = new EmbeddedChannel(decoder);
    byte[] two = concat(FRAME, FRAME);
    for (byte b : two) {
      ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
    }
    assertEquals(DECODED, ch.readInbound());
    assertEquals(DECODED, ch.readInbound());
    assertNull(ch.readInbound());
    assertEquals(0, decoder.discardedBytes());
  }

  @Test
  void framesSplitAcrossChunksDecode() {
    EmbeddedChannel ch = new EmbeddedChannel(new Pms5003Decoder());
    byte[] two = concat(FRAME, FRAME);
    ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(two, 0, 3)));
    ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(two, 3, 40)));
    ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(two, 40, 64)));
    assertEquals(DECODED, ch.readInbound());
    assertEquals(DECODED, ch.readInbound());
  }

  @Test
  void garbageBeforeAFrameIsDiscardedAndCounted() {
    Pms5003Decoder decoder = new Pms5003Decoder();
    EmbeddedChannel ch = new EmbeddedChannel(decoder);
    ch.writeInbound(Unpooled.wrappedBuffer(concat(bytes(0x00, 0x42, 0x13, 0x4D, 0xFF), FRAME)));
    assertEquals(DECODED, ch.readInbound());
    assertEquals(5, decoder.discardedBytes());
  }

  @Test
  void aBadChecksumIsCountedAndTheNextFrameDecodes() {
    Pms5003Decoder decoder = new Pms5003Decoder();
    EmbeddedChannel ch = new EmbeddedChannel(decoder);
    byte[] bad = FRAME.clone();
    bad[13] ^= 0x01; // PM2.5 atmospheric 8 -> 9, checksum no longer matches
    ch.writeInbound(Unpooled.wrappedBuffer(concat(bad, FRAME)));
    assertEquals(DECODED, ch.readInbound());
    assertNull(ch.readInbound());
    assertEquals(1, decoder.checksumErrors());
    assertEquals(32, decoder.discardedBytes());
  }

  @Test
  void aWrongLengthFieldIsCountedAndTheDecoderResynchronises() {
    Pms5003Decoder decoder = new Pms5003Decoder();
    EmbeddedChannel ch = new EmbeddedChannel(decoder);
    byte[] truncated = Arrays.copyOf(FRAME, 20); // power glitch: the rest of this frame never came
    ch.writeInbound(Unpooled.wrappedBuffer(concat(bytes(0x42, 0x4D, 0x00, 0x11), truncated, FRAME)));
    assertEquals(DECODED, ch.readInbound());
    assertNull(ch.readInbound());
    assertEquals(1, decoder.lengthErrors());
  }

  @Test
  void hostCommandsCarryTheirChecksum() {
    assertArrayEquals(bytes(0x42, 0x4D, 0xE2, 0x00, 0x00, 0x01, 0x71), Pms5003Decoder.READ_REQUEST);
    assertArrayEquals(bytes(0x42, 0x4D, 0xE1, 0x00, 0x00, 0x01, 0x70), Pms5003Decoder.PASSIVE_MODE);
  }
}

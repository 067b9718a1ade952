package io.mast.drivers.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;
import org.openmuc.jmbus.DataRecord;
import org.openmuc.jmbus.MBusMessage;
import org.openmuc.jmbus.VariableDataStructure;

/** M-Bus link-layer framing, chunked and byte at a time, with recovery after every error. */
class MBusFrameDecoderTest {
  /** REQ_UD2 to address 5 with FCB set: start 10, C 7B, A 05, CS 80, stop 16. */
  private static final byte[] REQ_UD2 = {0x10, 0x7B, 0x05, (byte) 0x80, 0x16};

  /** RSP_UD from address 5: long header and one record, 0x04 0x13 = volume 0.001 m3, value 12345. */
  private static final byte[] RSP_UD = MBusFrameDecoder.longFrame(0x08, 5, new byte[] {
      0x72,                                  // CI: variable data, long header
      0x78, 0x56, 0x34, 0x12,                // identification 12345678, BCD, LSB first
      0x2D, 0x2C,                            // manufacturer KAM
      0x01, 0x04,                            // version, medium heat
      0x01, 0x00, 0x00, 0x00,                // access number, status, signature
      0x04, 0x13, 0x39, 0x30, 0x00, 0x00});  // DIF 32-bit int, VIF volume 10^-3 m3, 12345

  @Test
  void encodesTheShortFrameOfTheStandard() {
    assertArrayEquals(REQ_UD2, MBusFrameDecoder.shortFrame(0x7B, 5));
  }

  @Test
  void decodesEveryFrameTypeWholeOrByteAtATime() {
    byte[] stream = concat(new byte[] {(byte) 0xE5}, REQ_UD2, RSP_UD);
    for (int chunk : new int[] {stream.length, 1, 3}) {
      EmbeddedChannel ch = new EmbeddedChannel(new MBusFrameDecoder());
      for (int i = 0; i < stream.length; i += chunk) {
        ch.writeInbound(Unpooled.wrappedBuffer(stream, i, Math.min(chunk, stream.length - i)));
      }
      assertEquals(MBusFrame.Type.ACK, ((MBusFrame) ch.readInbound()).type());
      MBusFrame request = ch.readInbound();
      assertEquals(0x7B, request.control());
      assertEquals(5, request.address());
      MBusFrame response = ch.readInbound();
      assertArrayEquals(RSP_UD, response.bytes());
      assertNull(ch.readInbound());
    }
  }

  @Test
  void jmbusDecodesTheVolumeOfTheAnswer() throws Exception {
    VariableDataStructure data = MBusMessage.decode(RSP_UD, RSP_UD.length).getVariableDataResponse();
    data.decode();
    DataRecord record = data.getDataRecords().get(0);
    assertEquals(DataRecord.Description.VOLUME, record.getDescription());
    assertEquals(12345L, ((Number) record.getDataValue()).longValue());
    assertEquals(-3, record.getMultiplierExponent());
  }

  @Test
  void badChecksumDifferentLengthsAndGarbageAreCountedAndTheNextFrameStillDecodes() {
    MBusFrameDecoder decoder = new MBusFrameDecoder();
    EmbeddedChannel ch = new EmbeddedChannel(decoder);
    byte[] badSum = RSP_UD.clone();
    badSum[badSum.length - 2] ^= 1;
    byte[] badLength = RSP_UD.clone();
    badLength[2] = 0x10;                     // the two length bytes differ
    byte[] garbage = {0x00, 0x33, (byte) 0xFF};
    for (byte b : concat(garbage, badSum, badLength, RSP_UD)) {
      ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
    }
    MBusFrame good = null;
    Object m;
    while ((m = ch.readInbound()) != null) {
      if (((MBusFrame) m).type() == MBusFrame.Type.LONG) {
        good = (MBusFrame) m;
      }
    }
    assertArrayEquals(RSP_UD, good.bytes());
    assertEquals(1, decoder.checksumErrors());
    assertEquals(true, decoder.discardedBytes() >= 5, "discarded " + decoder.discardedBytes());
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}

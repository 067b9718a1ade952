package io.mast.drivers.codec;

import static io.mast.drivers.codec.Pms5003DecoderTest.bytes;
import static io.mast.drivers.codec.Pms5003DecoderTest.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

class Mhz19DecoderTest {
  /** An answer to the read command, field by field. */
  static final byte[] ANSWER = bytes(
      0xFF,        // start
      0x86,        // answers command 0x86, read CO2
      0x02, 0x60,  // CO2: 0x0260 = 608 ppm
      0x47,        // temperature: 0x47 - 40 = 31 degC
      0x00,        // status
      0x00, 0x00,  // unused
      0xD1);       // checksum: 0x100 - (0x86 + 0x02 + 0x60 + 0x47) = 0xD1

  @Test
  void anAnswerDecodes() {
    EmbeddedChannel ch = new EmbeddedChannel(new Mhz19Decoder());
    ch.writeInbound(Unpooled.wrappedBuffer(ANSWER));
    assertEquals(new Mhz19Reading(608, 31), ch.readInbound());
    assertNull(ch.readInbound());
  }

  @Test
  void answersFedOneByteAtATimeDecode() {
    Mhz19Decoder decoder = new Mhz19Decoder();
    EmbeddedChannel ch = new EmbeddedChannel(decoder);
    for (byte b : concat(ANSWER, ANSWER)) {
      ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
    }
    assertEquals(new Mhz19Reading(608, 31), ch.readInbound());
    assertEquals(new Mhz19Reading(608, 31), ch.readInbound());
    assertEquals(0, decoder.discardedBytes());
  }

  @Test
  void aBadChecksumIsCountedAndTheNextAnswerDecodes() {
    Mhz19Decoder decoder = new Mhz19Decoder();
    EmbeddedChannel ch = new EmbeddedChannel(decoder);
    byte[] bad = ANSWER.clone();
    bad[3] = 0x61; // 609 ppm, checksum still for 608
    ch.writeInbound(Unpooled.wrappedBuffer(concat(bytes(0x00, 0xFF, 0x01), bad, ANSWER)));
    assertEquals(new Mhz19Reading(608, 31), ch.readInbound());
    assertNull(ch.readInbound());
    assertEquals(1, decoder.checksumErrors());
    assertEquals(3 + 9, decoder.discardedBytes());
  }

  @Test
  void theReadCommandCarriesItsChecksum() {
    int sum = 0;
    for (int i = 1; i < 8; i++) {
      sum += Mhz19Decoder.READ_CO2[i] & 0xFF;
    }
    assertEquals(-sum & 0xFF, Mhz19Decoder.READ_CO2[8] & 0xFF);
  }
}

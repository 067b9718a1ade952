package io.mast.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.drivers.codec.Cjt188FrameDecoder;
import io.mast.drivers.codec.DecoderChannels;
import io.mast.drivers.codec.Dlt645FrameDecoder;
import io.mast.drivers.codec.MBusFrameDecoder;
import io.mast.drivers.codec.Mhz19Decoder;
import io.mast.drivers.codec.Pms5003Decoder;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.List;
import java.util.function.Supplier;

/**
 * The serial sensors' frame decoders over any line bytes, arriving in pieces as a UART hands them
 * over. Input: byte 0 picks the decoder (PMS5003, MH-Z19, M-Bus, CJ/T 188, DL/T 645), byte 1 the
 * piece size, the rest is the line. Expected: frames, or bytes skipped and counted; a decoder
 * never throws. Anything thrown is a finding.
 */
class SensorCodecsFuzzTest {
  static final List<Supplier<ChannelHandler>> DECODERS = List.of(Pms5003Decoder::new, Mhz19Decoder::new, MBusFrameDecoder::new,
      Cjt188FrameDecoder::new, Dlt645FrameDecoder::new);

  @FuzzTest
  void decode(byte[] input) {
    if (input.length < 2) {
      return;
    }
    EmbeddedChannel channel = DecoderChannels.of(DECODERS.get(Math.floorMod(input[0], DECODERS.size())).get());
    int piece = 1 + (input[1] & 0xff);
    try {
      for (int at = 2; at < input.length; at += piece) {
        channel.writeInbound(Unpooled.wrappedBuffer(input, at, Math.min(piece, input.length - at)));
        for (Object frame; (frame = channel.readInbound()) != null; ) {
          ReferenceCountUtil.release(frame);
        }
      }
      channel.checkException();
    } finally {
      channel.finishAndReleaseAll();
    }
  }
}

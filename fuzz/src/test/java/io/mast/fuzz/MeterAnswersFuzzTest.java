package io.mast.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.drivers.codec.Cjt188;
import io.mast.drivers.codec.Cjt188Frame;
import io.mast.drivers.codec.Cjt188FrameDecoder;
import io.mast.drivers.codec.DecoderChannels;
import io.mast.drivers.codec.Dlt645;
import io.mast.drivers.codec.Dlt645Frame;
import io.mast.drivers.codec.Dlt645FrameDecoder;
import io.mast.drivers.codec.MeterFrameException;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * A meter's answer to what the pole asked: any line bytes framed by the CJ/T 188 or DL/T 645
 * decoder (byte 0 picks), then each frame parsed against the pole's requests (read data and read
 * address). Expected: a value, or {@link MeterFrameException} with its reason.
 */
class MeterAnswersFuzzTest {
  private static final byte[] WATER = {0x78, 0x56, 0x34, 0x12, 0, 0, 0};
  private static final Cjt188Frame CJT_DATA = Cjt188.readData(Cjt188.COLD_WATER, WATER, 0, Cjt188.DiOrder.HIGH_FIRST);
  private static final Cjt188Frame CJT_ADDRESS = Cjt188.readAddress(0, Cjt188.DiOrder.HIGH_FIRST);
  private static final byte[] ELECTRICITY = {0x12, 0x34, 0x56, 0x78, (byte) 0x90, 0};
  private static final Dlt645Frame DLT_DATA = Dlt645.readData(ELECTRICITY, Dlt645.Item.ENERGY.di());

  @FuzzTest
  void parse(byte[] input) {
    if (input.length < 1) {
      return;
    }
    boolean cjt = (input[0] & 1) == 0;
    EmbeddedChannel channel = DecoderChannels.of(cjt ? new Cjt188FrameDecoder() : new Dlt645FrameDecoder());
    try {
      channel.writeInbound(Unpooled.wrappedBuffer(input, 1, input.length - 1));
      for (Object frame; (frame = channel.readInbound()) != null; ) {
        if (frame instanceof Cjt188Frame f) {
          Expected.only(MeterFrameException.class, () -> Cjt188.parseData(f, CJT_DATA));
          Expected.only(MeterFrameException.class, () -> Cjt188.parseAddress(f, CJT_ADDRESS));
        } else if (frame instanceof Dlt645Frame f) {
          Expected.only(MeterFrameException.class, () -> Dlt645.parseData(f, DLT_DATA, Dlt645.Item.ENERGY));
          Expected.only(MeterFrameException.class, () -> Dlt645.parseAddress(f));
        }
      }
      channel.checkException();
    } finally {
      channel.finishAndReleaseAll();
    }
  }
}

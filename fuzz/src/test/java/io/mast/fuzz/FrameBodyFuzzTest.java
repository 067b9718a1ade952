package io.mast.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.protocol.FrameDecoder;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.FrameIntegrity;

/**
 * The frame decoder past its CRC: any bytes sealed with a good CRC-32C, so the fuzzer's mutations
 * reach the body's parser (a frame whose CRC fails stops at the check, where
 * {@link FrameDecoderFuzzTest} mostly stays). Expected: a frame, or {@link FrameFormatException}.
 */
class FrameBodyFuzzTest {
  private static final FrameDecoder DECODER = new FrameDecoder(FrameDecoderFuzzTest.profile());

  @FuzzTest
  void decodeSealed(byte[] body) {
    byte[] sealed = FrameIntegrity.seal(body);
    Expected.only(FrameFormatException.class, () -> DECODER.decode(sealed));
    Expected.only(FrameFormatException.class, () -> DECODER.decodeAlarm(sealed));
  }
}

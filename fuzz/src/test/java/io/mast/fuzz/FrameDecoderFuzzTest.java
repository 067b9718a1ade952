package io.mast.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.FrameDecoder;
import io.mast.protocol.FrameFormatException;
import java.io.IOException;
import java.io.InputStream;

/**
 * The platform's frame decoder over any bytes, as telemetry and alarm frames (the profile of the
 * carried air-quality dataset; seeds: frames of {@code mast encode} of it). Expected: a frame, or
 * {@link FrameFormatException} (a corrupt one included). Anything else is a finding.
 */
class FrameDecoderFuzzTest {
  private static final FrameDecoder DECODER = new FrameDecoder(profile());

  @FuzzTest
  void decode(byte[] frame) {
    Expected.only(FrameFormatException.class, () -> DECODER.decode(frame));
    Expected.only(FrameFormatException.class, () -> DECODER.decodeAlarm(frame));
  }

  static ChannelProfile profile() {
    try (InputStream in = FrameDecoderFuzzTest.class.getResourceAsStream("air-uci.profile.pb")) {
      return ChannelProfile.parse(in.readAllBytes());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}

package io.mast.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.FrameFormatException;

/** A channel profile (retained on {@code p}, stored by the platform) from any bytes: a profile or {@link FrameFormatException}. */
class ChannelProfileFuzzTest {
  @FuzzTest
  void parse(byte[] bytes) {
    Expected.only(FrameFormatException.class, () -> ChannelProfile.parse(bytes));
  }
}

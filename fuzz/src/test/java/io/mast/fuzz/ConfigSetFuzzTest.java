package io.mast.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.ConfigSetMessage;

/** A config push's payload from any bytes (a signed envelope's payload, once verified): parsed, or {@link FrameFormatException}. */
class ConfigSetFuzzTest {
  @FuzzTest
  void parse(byte[] payload) {
    try {
      ConfigSetMessage.parse(payload);
    } catch (FrameFormatException expected) {
      // refused with its reason
    }
  }
}

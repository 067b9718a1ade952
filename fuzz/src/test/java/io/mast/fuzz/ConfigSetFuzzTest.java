package io.mast.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.ConfigSetMessage;

/** A config push's payload from any bytes (a signed envelope's payload, once verified): parsed, or {@link FrameFormatException}. */
class ConfigSetFuzzTest {
  @FuzzTest
  void parse(byte[] payload) {
    Expected.only(FrameFormatException.class, () -> ConfigSetMessage.parse(payload));
  }
}

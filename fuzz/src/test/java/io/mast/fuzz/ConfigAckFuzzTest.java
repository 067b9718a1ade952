package io.mast.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.ConfigAckMessage;

/** A config acknowledgement (ca), as the platform reads it from any bytes a pole (or an impostor) sends: parsed, or {@link FrameFormatException}. */
class ConfigAckFuzzTest {
  @FuzzTest
  void parse(byte[] payload) {
    Expected.only(FrameFormatException.class, () -> ConfigAckMessage.parse(payload));
  }
}

package io.mast.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.OtaMessages;

/** An OTA status report (os), as the platform reads it from any bytes a pole (or an impostor) sends: parsed, or {@link FrameFormatException}. */
class OtaStatusFuzzTest {
  @FuzzTest
  void parse(byte[] payload) {
    Expected.only(FrameFormatException.class, () -> OtaMessages.Status.parse(payload));
  }
}

package io.mast.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.StatusMessage;

/** A pole's birth or last will (s), as the platform reads it from any bytes a pole (or an impostor) sends: parsed, or {@link FrameFormatException}. */
class StatusMessageFuzzTest {
  @FuzzTest
  void parse(byte[] payload) {
    Expected.only(FrameFormatException.class, () -> StatusMessage.parse(payload));
  }
}

package io.mast.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.OtaMessages;

/** An OTA chunk request (oc), as the platform reads it from any bytes a pole (or an impostor) sends: parsed, or {@link FrameFormatException}. */
class ChunkRequestFuzzTest {
  @FuzzTest
  void parse(byte[] payload) {
    Expected.only(FrameFormatException.class, () -> OtaMessages.ChunkRequest.parse(payload));
  }
}

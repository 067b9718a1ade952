package io.mast.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.OtaMessages;

/** An OTA chunk message (unsigned: each chunk is checked against the signed manifest) from any bytes: parsed, or {@link FrameFormatException}. */
class ChunkDataFuzzTest {
  @FuzzTest
  void parse(byte[] payload) {
    Expected.only(FrameFormatException.class, () -> OtaMessages.ChunkData.parse(payload));
  }
}

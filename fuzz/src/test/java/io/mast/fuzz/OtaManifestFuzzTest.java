package io.mast.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.OtaManifestMessage;

/** An OTA manifest from any bytes (a signed envelope's payload, once verified): parsed, or {@link FrameFormatException}. */
class OtaManifestFuzzTest {
  @FuzzTest
  void parse(byte[] payload) {
    Expected.only(FrameFormatException.class, () -> OtaManifestMessage.parse(payload));
  }
}

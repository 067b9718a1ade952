package io.mast.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.TrustUpdateMessage;

/** A trust update (key rotation) from any bytes (a signed envelope's payload, once verified): parsed, or {@link FrameFormatException}. */
class TrustUpdateFuzzTest {
  @FuzzTest
  void parse(byte[] payload) {
    Expected.only(FrameFormatException.class, () -> TrustUpdateMessage.parse(payload));
  }
}

package io.mast.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.ConsoleMessages;

/** A remote console reply (xr), as the platform reads it from any bytes a pole (or an impostor) sends: parsed, or {@link FrameFormatException}. */
class ConsoleReplyFuzzTest {
  @FuzzTest
  void parse(byte[] payload) {
    Expected.only(FrameFormatException.class, () -> ConsoleMessages.Reply.parse(payload));
  }
}

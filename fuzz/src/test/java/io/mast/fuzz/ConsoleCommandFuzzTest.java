package io.mast.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.ConsoleMessages;

/** A remote console command from any bytes (a signed envelope's payload, once verified): parsed, or {@link FrameFormatException}. */
class ConsoleCommandFuzzTest {
  @FuzzTest
  void parse(byte[] payload) {
    Expected.only(FrameFormatException.class, () -> ConsoleMessages.Command.parse(payload));
  }
}

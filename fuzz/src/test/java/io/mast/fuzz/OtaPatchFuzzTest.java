package io.mast.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.OtaPatchMessage;

/**
 * An OTA patch (a manifest against a base, format 2) from any bytes, once its envelope verified:
 * parsed, or {@link FrameFormatException}; one that parses writes back as a patch that parses the same.
 */
class OtaPatchFuzzTest {
  @FuzzTest
  void parse(byte[] payload) {
    Expected.only(FrameFormatException.class, () -> {
      OtaPatchMessage p = OtaPatchMessage.parse(payload);
      OtaPatchMessage again = OtaPatchMessage.parse(p.toBytes());
      if (again.chunkCount() != p.chunkCount() || again.files().size() != p.files().size() || again.newBytes() != p.newBytes()) {
        throw new IllegalStateException("a parsed patch does not write back as itself");
      }

    });
  }
}

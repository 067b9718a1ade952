package io.mast.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.tools.HexLines;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * {@code mast decode --hex} over any text on its stdin, as {@code mosquitto_sub -F '%t %x'}
 * lines from a broker anyone may publish to. Input: byte 0 picks {@code --follow} (bit 0, every
 * other message then printed as text) and {@code --profile} (bit 1, the carried air-quality
 * profile); the rest is the lines, UTF-8. Seeds: a pole's profile, frames, an alarm, a duplicate,
 * status, acks, OTA status, a chunk request, a console reply and an audit record. Expected: every
 * line told and counted, or decoded; nothing thrown.
 */
class DecodeHexLinesFuzzTest {
  private static final PrintStream NOWHERE = new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8);

  @FuzzTest
  void decode(byte[] input) {
    if (input.length < 1) {
      return;
    }
    HexLines lines = HexLines.standard(NOWHERE, NOWHERE, (input[0] & 1) != 0,
        (input[0] & 2) != 0 ? FrameDecoderFuzzTest.profile() : null);
    String text = new String(input, 1, input.length - 1, StandardCharsets.UTF_8);
    for (String line : text.split("\n", -1)) {
      lines.accept(line);
    }
    lines.finish();
  }
}

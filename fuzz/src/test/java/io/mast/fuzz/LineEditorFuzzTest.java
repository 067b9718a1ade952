package io.mast.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.runtime.console.LineEditor;
import java.util.List;

/**
 * The console's line editor over any bytes a terminal (or a line noise on the serial port) can
 * send: escape sequences, UTF-8 cut anywhere, control characters, in pieces of any size. It never
 * throws, and no line it hands over holds more characters than its cap. Input: byte 0 the piece size, the rest
 * what the terminal sends.
 */
class LineEditorFuzzTest {
  static final int MAX_CHARS = 64;

  @FuzzTest
  void feed(byte[] input) {
    if (input.length < 1) {
      return;
    }
    LineEditor editor = new LineEditor(MAX_CHARS, line -> List.of("status", "sensors", "config show"));
    editor.prompt("mast> ");
    int piece = 1 + (input[0] & 0x3f);
    for (int at = 1; at < input.length; at += piece) {
      LineEditor.Output out = editor.feed(input, at, Math.min(piece, input.length - at));
      for (LineEditor.Event e : out.events()) {
        // the cap is in characters (code points): a character beyond U+FFFF is two Java chars
        if (e instanceof LineEditor.Line l && l.text().codePointCount(0, l.text().length()) > MAX_CHARS) {
          throw new IllegalStateException("a line of " + l.text().codePointCount(0, l.text().length()) + " characters passed a cap of "
              + MAX_CHARS);
        }
      }
    }
  }
}

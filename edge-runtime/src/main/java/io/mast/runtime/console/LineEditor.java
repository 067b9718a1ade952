package io.mast.runtime.console;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The console's line discipline for a raw serial line, byte by byte, as picocom, minicom or PuTTY
 * send them: what to echo back and which lines (or cancels, or refusals) come out. Pure: no I/O,
 * no threads, no clock; the transport feeds it bytes and writes what it returns.
 *
 * <p>What it understands:
 * <ul>
 *   <li>printable ASCII and well-formed UTF-8, echoed as typed (nothing is echoed in secret mode,
 *       for a PIN);
 *   <li>CR, LF and CR LF each end a line once (a LF right after a CR is the same end of line);
 *   <li>backspace (0x08) and DEL (0x7f) erase the last character ({@code "\b \b"}), Ctrl-U the
 *       whole line, Ctrl-C cancels the line (and the shell's {@code watch});
 *   <li>up and down ({@code ESC [ A/B} or {@code ESC O A/B}) walk the history, redrawn with
 *       backspaces only; other escape sequences are read whole and ignored;
 *   <li>Tab completes the word being typed through a {@link Completer}: one candidate is filled
 *       in, several fill in what they share and are listed once on a line of their own.
 * </ul>
 * The line is capped at {@code maxChars}: the first character beyond is refused with a message and
 * the rest of that line is discarded up to its end, so a 10 KB paste costs one message. A control
 * byte or malformed UTF-8 refuses the line the same way ("binary input"). No ANSI sequence is
 * ever written: backspace, space and CR LF work on every terminal.
 *
 * <p>Not thread safe: one transport feeds one editor.
 */
public final class LineEditor {
  /** Candidates for the word at the end of {@code line} (the whole text before the cursor). */
  public interface Completer {
    List<String> complete(String line);
  }

  /** What a byte produced besides echo. */
  public sealed interface Event {}

  /** A line ended; {@code text} without its end of line. */
  public record Line(String text) implements Event {}

  /** Ctrl-C: the line was dropped (and whatever runs should stop). */
  public record Cancel() implements Event {}

  /** The line was refused and is being discarded up to its end; {@code why} is for the person. */
  public record Refused(String why) implements Event {}

  /** What feeding bytes produced: text to write back, and events in order. */
  public record Output(String echo, List<Event> events) {}

  private static final int MAX_ESCAPE = 16;
  private static final int HISTORY = 50;

  private enum State { NORMAL, AFTER_CR, ESC, CSI, SS3, DISCARD, DISCARD_AFTER_CR }

  private final int maxChars;
  private final Completer completer;
  private final StringBuilder line = new StringBuilder();
  private final Deque<String> history = new ArrayDeque<>();
  private State state = State.NORMAL;
  private int escapeBytes;
  private final byte[] utf8 = new byte[4];
  private int utf8Have;
  private int utf8Need;
  private int historyAt = -1;
  private String prompt = "";
  private boolean secret;
  private StringBuilder echo;
  private List<Event> events;

  public LineEditor(int maxChars, Completer completer) {
    if (maxChars < 1) {
      throw new IllegalArgumentException("a line holds at least one character, not " + maxChars);
    }
    this.maxChars = maxChars;
    this.completer = completer;
  }

  /** The prompt redrawn after a completion list. */
  public void prompt(String p) {
    this.prompt = p;
  }

  /** Secret mode (a PIN): nothing is echoed, and the line does not go into the history. */
  public void secret(boolean on) {
    this.secret = on;
  }

  /** The history, oldest first (secret lines never enter it). */
  public List<String> history() {
    return List.copyOf(history);
  }

  /** Feeds {@code bytes[from, from + length)}. */
  public Output feed(byte[] bytes, int from, int length) {
    echo = new StringBuilder();
    events = new ArrayList<>();
    for (int i = from; i < from + length; i++) {
      accept(bytes[i] & 0xff);
    }
    return new Output(echo.toString(), List.copyOf(events));
  }

  public Output feed(byte[] bytes) {
    return feed(bytes, 0, bytes.length);
  }

  private void accept(int b) {
    switch (state) {
      case ESC -> escape(b);
      case CSI, SS3 -> sequence(b);
      case DISCARD, DISCARD_AFTER_CR -> discard(b);
      case AFTER_CR -> {
        state = State.NORMAL;
        if (b != '\n') {
          normal(b);
        }
      }
      default -> normal(b);
    }
  }

  private void normal(int b) {
    if (utf8Need > 0) {
      continuation(b);
      return;
    }
    switch (b) {
      case '\r' -> {
        endOfLine();
        state = State.AFTER_CR;
      }
      case '\n' -> endOfLine();
      case 0x08, 0x7f -> erase(1);
      case 0x15 -> erase(line.length());
      case 0x03 -> {
        line.setLength(0);
        historyAt = -1;
        echo.append("^C\r\n");
        events.add(new Cancel());
      }
      case '\t' -> complete();
      case 0x1b -> {
        state = State.ESC;
        escapeBytes = 1;
      }
      default -> {
        if (b >= 0x20 && b < 0x7f) {
          add(String.valueOf((char) b));
        } else if (b >= 0xc2 && b <= 0xf4) {
          utf8[0] = (byte) b;
          utf8Have = 1;
          utf8Need = b < 0xe0 ? 1 : b < 0xf0 ? 2 : 3;
        } else {
          refuse(String.format("binary input (byte 0x%02x) on the console; the line was dropped", b));
        }
      }
    }
  }

  private void continuation(int b) {
    if ((b & 0xc0) != 0x80) {
      utf8Need = 0;
      refuse(String.format("binary input (byte 0x%02x in a UTF-8 character) on the console; the line was dropped", b));
      return;
    }
    utf8[utf8Have++] = (byte) b;
    if (--utf8Need == 0) {
      add(new String(utf8, 0, utf8Have, StandardCharsets.UTF_8));
    }
  }

  private void add(String text) {
    if (line.codePointCount(0, line.length()) + 1 > maxChars) {
      refuse("a console line holds at most " + maxChars + " characters; the rest of this one was dropped");
      return;
    }
    line.append(text);
    if (!secret) {
      echo.append(text);
    }
  }

  private void erase(int chars) {
    for (int i = 0; i < chars && line.length() > 0; i++) {
      int cut = line.offsetByCodePoints(line.length(), -1);
      line.setLength(cut);
      if (!secret) {
        echo.append("\b \b");
      }
    }
  }

  private void endOfLine() {
    String text = line.toString();
    line.setLength(0);
    historyAt = -1;
    echo.append("\r\n");
    if (!secret && !text.isBlank() && !text.equals(history.peekLast())) {
      history.addLast(text);
      if (history.size() > HISTORY) {
        history.removeFirst();
      }
    }
    events.add(new Line(text));
  }

  private void refuse(String why) {
    line.setLength(0);
    historyAt = -1;
    echo.append("\r\n");
    events.add(new Refused(why));
    state = State.DISCARD;
  }

  /** Drops bytes up to the end of the refused line; that end of line produces no line. */
  private void discard(int b) {
    if (b == '\r') {
      state = State.DISCARD_AFTER_CR;
    } else if (b == '\n') {
      state = State.NORMAL;
    } else if (state == State.DISCARD_AFTER_CR) {
      state = State.NORMAL;
      normal(b);
    }
  }

  private void escape(int b) {
    if (b == '[') {
      state = State.CSI;
    } else if (b == 'O') {
      state = State.SS3;
    } else {
      state = State.NORMAL; // a lone ESC: nothing
      normal(b);
    }
  }

  private void sequence(int b) {
    if (++escapeBytes > MAX_ESCAPE) {
      state = State.NORMAL;
      return;
    }
    if (b >= 0x40 && b <= 0x7e) {
      state = State.NORMAL;
      if (b == 'A') {
        walkHistory(1);
      } else if (b == 'B') {
        walkHistory(-1);
      }
    }
  }

  /** Up ({@code +1}, older) or down ({@code -1}, newer, and past the newest an empty line). */
  private void walkHistory(int step) {
    if (secret || history.isEmpty()) {
      return;
    }
    List<String> list = new ArrayList<>(history);
    int next = Math.max(-1, Math.min(list.size() - 1, historyAt + step));
    if (next == historyAt) {
      return;
    }
    historyAt = next;
    erase(line.length());
    String shown = next < 0 ? "" : list.get(list.size() - 1 - next);
    line.append(shown);
    echo.append(shown);
  }

  private void complete() {
    if (secret) {
      return;
    }
    String text = line.toString();
    int wordStart = text.lastIndexOf(' ') + 1;
    String word = text.substring(wordStart);
    List<String> candidates = completer.complete(text).stream().filter(c -> c.startsWith(word)).distinct().sorted().toList();
    if (candidates.isEmpty()) {
      return;
    }
    String shared = candidates.get(0);
    for (String c : candidates) {
      int n = 0;
      while (n < shared.length() && n < c.length() && shared.charAt(n) == c.charAt(n)) {
        n++;
      }
      shared = shared.substring(0, n);
    }
    String fill = shared.substring(word.length()) + (candidates.size() == 1 ? " " : "");
    if (line.length() + fill.length() > maxChars) {
      return;
    }
    line.append(fill);
    if (candidates.size() == 1 || !fill.isEmpty()) {
      echo.append(fill);
      return;
    }
    echo.append("\r\n").append(String.join("  ", candidates)).append("\r\n").append(prompt).append(line);
  }
}

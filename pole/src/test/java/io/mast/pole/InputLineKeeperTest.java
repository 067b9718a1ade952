package io.mast.pole;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The console's half-typed line kept whole when log lines come in between, byte for byte on the terminal. */
class InputLineKeeperTest {
  private final ByteArrayOutputStream screen = new ByteArrayOutputStream();
  private final InputLineKeeper keeper = new InputLineKeeper(new PrintStream(screen, true, StandardCharsets.UTF_8));
  private final PrintStream log = keeper.logStream();

  private void console(String s) {
    keeper.console(s.getBytes(StandardCharsets.UTF_8));
  }

  private String shown() {
    return screen.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aLogLineGoesAboveTheLineBeingTypedWhichIsDrawnAgainAsItWas() {
    console("welcome\r\nsim-pole-1> who");
    log.println("20:51:13 INFO: uplink: connected");
    assertEquals("welcome\r\nsim-pole-1> who" + "\r\033[K20:51:13 INFO: uplink: connected\n" + "sim-pole-1> who", shown());
    // typed on after it: the line goes on where it was
    console("ami");
    assertEquals("welcome\r\nsim-pole-1> who\r\033[K20:51:13 INFO: uplink: connected\nsim-pole-1> whoami", shown());
  }

  @Test
  void theEditorsCursorMovesAndRedrawsAreReplayedSoTheCursorEndsWhereItWas() {
    // the history's redraw, then the cursor moved two to the left
    console("sim-pole-1> x\r\033[Ksim-pole-1> whoami\033[2D");
    screen.reset();
    log.println("a line");
    assertEquals("\r\033[Ka line\nsim-pole-1> x\r\033[Ksim-pole-1> whoami\033[2D", shown());
  }

  @Test
  void aLogLineWaitsForItsNewlineAndAfterAWholeConsoleLineNothingIsRedrawn() {
    console("sim-pole-1> status\r\n");
    log.print("half ");
    assertEquals("sim-pole-1> status\r\n", shown());
    log.print("and the rest\nnext");
    assertEquals("sim-pole-1> status\r\nhalf and the rest\n", shown());
    keeper.flushPending();
    assertEquals("sim-pole-1> status\r\nhalf and the rest\nnext", shown());
  }

  @Test
  void aConsoleLineTooLongToKeepIsNotReplayedAndTheLogLineStartsOnALineOfItsOwn() {
    console("> " + "x".repeat(InputLineKeeper.MAX_LINE));
    screen.reset();
    log.println("a line");
    assertEquals("\na line\n", shown());
    // the next whole console line is kept again
    console("\r\n> y");
    screen.reset();
    log.println("b");
    assertEquals("\r\033[Kb\n> y", shown());
  }
}

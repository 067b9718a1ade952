package io.mast.runtime.uplink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.runtime.uplink.InFlightWindow.Advance;
import io.mast.runtime.uplink.InFlightWindow.Frame;
import io.mast.runtime.uplink.InFlightWindow.Lane;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class InFlightWindowTest {
  private static final long MS = 1_000_000;

  @Test
  void outOfOrderAcknowledgementsMoveTheCursorOnlyOverTheAcknowledgedPrefix() {
    InFlightWindow w = new InFlightWindow(8);
    w.sent(Lane.TELEMETRY, new Frame(20, 10, 5, 0));
    w.sent(Lane.TELEMETRY, new Frame(22, 11, 3, 0));
    w.sent(Lane.TELEMETRY, new Frame(24, 15, 7, 0));
    assertEquals(Optional.empty(), w.acknowledged(Lane.TELEMETRY, 22, 10 * MS), "the first frame is still in flight");
    assertEquals(Optional.empty(), w.acknowledged(Lane.TELEMETRY, 24, 10 * MS));
    assertEquals(3, w.inFlight() + 2, "two acknowledged, one in flight");
    assertEquals(Optional.of(new Advance(Lane.TELEMETRY, 15, 3, 15)), w.acknowledged(Lane.TELEMETRY, 20, 10 * MS));
    assertEquals(0, w.inFlight());
  }

  @Test
  void aRepeatedOrUnknownAcknowledgementMovesNothing() {
    InFlightWindow w = new InFlightWindow(8);
    w.sent(Lane.ALARMS, new Frame(41, 20, 1, 0));
    w.sent(Lane.ALARMS, new Frame(43, 21, 1, 0));
    assertEquals(Optional.of(new Advance(Lane.ALARMS, 20, 1, 1)), w.acknowledged(Lane.ALARMS, 41, MS));
    assertEquals(Optional.empty(), w.acknowledged(Lane.ALARMS, 41, MS), "the same PUBACK again");
    assertEquals(Optional.empty(), w.acknowledged(Lane.ALARMS, 99, MS), "a frame never sent");
    assertEquals(Optional.empty(), w.acknowledged(Lane.TELEMETRY, 43, MS), "the other lane's number");
    assertEquals(1, w.inFlight());
  }

  @Test
  void aPassedStretchWaitsForTheFramesBeforeItAndCountsNoFrameOrReading() {
    InFlightWindow w = new InFlightWindow(8);
    w.sent(Lane.TELEMETRY, new Frame(2, 3, 4, 0));
    assertEquals(Optional.empty(), w.passed(5), "behind a frame in flight");
    assertEquals(Optional.of(new Advance(Lane.TELEMETRY, 5, 1, 4)), w.acknowledged(Lane.TELEMETRY, 2, MS));
    assertEquals(Optional.of(new Advance(Lane.TELEMETRY, 9, 0, 0)), w.passed(9), "nothing before it: passed at once");
  }

  @Test
  void theWindowIsFullAtItsCapacityAcrossBothLanesAndClearsOnANewConnection() {
    InFlightWindow w = new InFlightWindow(2);
    w.sent(Lane.TELEMETRY, new Frame(2, 1, 1, 0));
    assertFalse(w.full());
    w.sent(Lane.ALARMS, new Frame(3, 1, 1, 0));
    assertTrue(w.full());
    w.clear();
    assertFalse(w.full());
    assertEquals(0, w.inFlight());
    assertThrows(IllegalArgumentException.class, () -> new InFlightWindow(0));
  }

  @Test
  void theRoundTripIsAMovingMeanOfPublishToPuback() {
    InFlightWindow w = new InFlightWindow(8);
    w.sent(Lane.TELEMETRY, new Frame(2, 1, 1, 0));
    w.acknowledged(Lane.TELEMETRY, 2, 160 * MS);
    assertEquals(160, w.rttMillis(), 1e-9);
    w.sent(Lane.TELEMETRY, new Frame(4, 2, 1, 200 * MS));
    w.acknowledged(Lane.TELEMETRY, 4, 216 * MS);
    assertEquals(160 + (16 - 160) / 16.0, w.rttMillis(), 1e-9);
  }
}

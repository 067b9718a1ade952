package io.mast.seams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class QuietLogTest {
  private long now = 1_000_000_000L;
  private final List<String> lines = new ArrayList<>();
  private final QuietLog log = new QuietLog(() -> now, lines::add);

  private void pass(Duration d) {
    now += d.toNanos();
  }

  @Test
  void aReasonIsSaidOnceAMinuteWithTheCountOfTheOnesNotSaid() {
    assertTrue(log.say("config: a push refused: signed by unknown key 'k1'"));
    for (int i = 0; i < 999; i++) {
      assertFalse(log.say("config: a push refused: signed by unknown key 'forged-" + i + "'"));
    }
    assertEquals(List.of("config: a push refused: signed by unknown key 'k1'"), lines);
    pass(Duration.ofSeconds(61));
    assertTrue(log.say("config: a push refused: signed by unknown key 'k2'"));
    assertEquals("config: a push refused: signed by unknown key 'k2' (999 more like it in the last 61 s)", lines.get(1));
  }

  @Test
  void reasonsOfDifferentShapesAreSaidEachAtOnce() {
    assertTrue(log.say("console: a remote command was refused: the signature does not verify"));
    assertTrue(log.say("config: version 17 is not newer than 18"));
    assertFalse(log.say("config: version 19 is not newer than 20"));
    assertEquals(2, lines.size());
    assertEquals(QuietLog.shape("config: version 1 is not newer than 222"), QuietLog.shape("config: version 17 is not newer than 18"));
  }

  @Test
  void aFlushAfterTheMinuteSaysTheCountAndAQuietReasonIsForgotten() {
    log.say("ota: dropped a chunk message: too short");
    log.say("ota: dropped a chunk message: too short");
    log.say("ota: dropped a chunk message: too short");
    log.flush();
    assertEquals(1, lines.size(), "within the minute a flush says nothing: " + lines);
    pass(Duration.ofSeconds(60));
    log.flush();
    assertEquals("ota: dropped a chunk message: too short (1 more like it in the last 60 s)", lines.get(1));
    pass(Duration.ofSeconds(60));
    log.flush();
    assertEquals(0, log.reasons(), "nothing unsaid for a minute: the reason is forgotten");
    assertEquals(2, lines.size());
  }

  @Test
  void reasonsAreBoundedHoweverManyShapesArrive() {
    for (int i = 0; i < 10_000; i++) {
      log.say("refused: " + Integer.toString(i, 26).replaceAll("[0-9]", "x") + "z".repeat(i % 7));
    }
    assertTrue(log.reasons() <= QuietLog.MAX_REASONS + 1, "reasons held: " + log.reasons());
    assertEquals(QuietLog.MAX_REASONS + 1, lines.size(), "each kept reason said once, the rest as one: " + lines.size());
  }

  @Test
  void aLineIsCutAndItsControlCharactersShown() {
    log.say("x: \u001b[2J" + "a".repeat(1000));
    assertEquals(QuietLog.LINE_CHARS, lines.get(0).length());
    assertTrue(lines.get(0).startsWith("x: ?[2J"), lines.get(0));
  }
}

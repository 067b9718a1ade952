package io.mast.runtime.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.runtime.health.ControlGate.Counts;
import io.mast.runtime.health.ControlGate.Topic;
import io.mast.seams.QuietLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ControlGateTest {
  private long now = 7_000_000_000L;
  private final List<String> lines = new ArrayList<>();
  private final ControlGate gate = new ControlGate(() -> now, new QuietLog(() -> now, lines::add));

  private Counts counts(Topic t) {
    return gate.counts().stream().filter(c -> c.topic() == t).findFirst().orElseThrow();
  }

  @Test
  void aSignedTopicVerifiesItsBurstThenOneASecondAndDropsTheRestBeforeTheCheck() {
    int admitted = 0;
    for (int i = 0; i < 1_000; i++) {
      admitted += gate.admit(Topic.CONFIG) ? 1 : 0;
    }
    assertEquals(ControlGate.VERIFY_BURST, admitted, "a burst at once");
    now += Duration.ofSeconds(2).toNanos();
    for (int i = 0; i < 1_000; i++) {
      admitted += gate.admit(Topic.CONFIG) ? 1 : 0;
    }
    assertEquals(ControlGate.VERIFY_BURST + 2 * ControlGate.VERIFY_PER_SECOND, admitted, "then the rate");
    Counts c = counts(Topic.CONFIG);
    assertEquals(2_000, c.received());
    assertEquals(2_000 - admitted, c.dropped());
    assertEquals(1, lines.size(), "one line for the drops of a minute: " + lines);
    assertTrue(lines.get(0).contains("dropped before verification"), lines.get(0));
    assertTrue(gate.admit(Topic.CONSOLE), "each topic has its own budget");
  }

  @Test
  void chunksAreCountedButNotBudgeted() {
    for (int i = 0; i < 100; i++) {
      assertTrue(gate.admit(Topic.OTA_CHUNK));
    }
    assertEquals(100, counts(Topic.OTA_CHUNK).received());
    assertEquals(0, counts(Topic.OTA_CHUNK).dropped());
  }

  @Test
  void aRefusalIsSaidOnceAMinutePerReasonAndTheRestAreCounted() {
    int answers = gate.refused(Topic.OTA_OFFER, "key id 'x1' is not trusted", "ota: an offer refused: key id 'x1' is not trusted", false) ? 1 : 0;
    for (int i = 0; i < 500; i++) {
      answers += gate.refused(Topic.OTA_OFFER, "key id 'y" + i + "' is not trusted", "ota: an offer refused: key id 'y" + i
          + "' is not trusted", false) ? 1 : 0;
    }
    answers += gate.refused(Topic.OTA_OFFER, "the signature does not verify", "ota: an offer refused: the signature does not verify", false) ? 1 : 0;
    assertEquals(ControlGate.ANSWER_BURST, answers, "answers to senders who did not verify: a burst");
    assertEquals(2, lines.size(), "a line per reason: " + lines);
    assertEquals(502, counts(Topic.OTA_OFFER).refused());
    assertEquals("the signature does not verify", counts(Topic.OTA_OFFER).lastRefusal());
    now += Duration.ofSeconds(60).toNanos();
    gate.flush();
    assertEquals("ota: an offer refused: key id 'y499' is not trusted (499 more like it in the last 60 s)", lines.get(2));
    assertTrue(gate.refused(Topic.OTA_OFFER, "it expired", "ota: an offer refused: it expired", true), "a trusted signer's refusal is answered");
    assertEquals(4, gate.linesSaid(), "the three, and the trusted signer's");
    assertFalse(gate.refused(Topic.OTA_OFFER, "the signature does not verify", "ota: an offer refused: the signature does not verify", false),
        "a minute later, no answer yet");
    now += Duration.ofMinutes(10).toNanos();
    assertTrue(gate.refused(Topic.OTA_OFFER, "the signature does not verify", "ota: an offer refused: the signature does not verify", false),
        "ten minutes later, one answer more");
    assertFalse(gate.refused(Topic.OTA_OFFER, "the signature does not verify", "ota: an offer refused: the signature does not verify", false));
  }

  @Test
  void anOversizedMessageCountsOnItsControlTopic() {
    gate.oversized("m/pole-3/x", 300_000);
    gate.oversized("m/@north/c", 400_000);
    gate.oversized("m/pole-3/elsewhere", 400_000);
    assertEquals(1, counts(Topic.CONSOLE).oversized());
    assertEquals(1, counts(Topic.CONFIG).oversized());
    assertEquals(1, lines.size(), "one reason, whatever the topic and size: " + lines);
  }

  @Test
  void faultsKeepTheNewestFour() {
    assertEquals(List.of(), gate.faults());
    for (int i = 1; i <= 6; i++) {
      gate.fault("mast-ota", new StackOverflowError("depth " + i));
    }
    assertEquals(4, gate.faults().size());
    assertEquals("mast-ota: java.lang.StackOverflowError: depth 6", gate.faults().get(3));
  }
}

package io.mast.runtime.ota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.ota.BootState;
import io.mast.protocol.OtaMessages;
import io.mast.runtime.console.Pole;
import io.mast.seams.DurableFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A trial start of a newly installed slot: healthy, it commits and raises the counter floor; without
 * the broker it stops at its deadline and the launcher's rollback is reported once; a link back
 * before the deadline commits.
 */
class OtaTrialTest extends OtaPoleTest {
  @Test
  void aTrialStartThatProvesHealthyCommitsAndRaisesTheCounterFloor() throws Exception {
    pole = new Pole(dir).started();
    Offer[] v2 = new Offer[1];
    Path root = restartedOnTrial(v2);
    OtaAgent agent = pole.runtime.startOta(root, "b", Duration.ofSeconds(60));
    OtaMessages.Status committed = awaitStatus(OtaMessages.State.COMMITTED);
    assertEquals("2.0.0", committed.version());
    assertEquals(new BootState("b", "", 0, "committed:b:2.0.0"), BootState.read(DurableFiles.real(), root));
    assertEquals(2, agent.counterFloor());
    io.mast.runtime.console.Shell.Result shown = pole.runtime.console().shell().run(new io.mast.runtime.console.Shell.Caller() {
      final io.mast.runtime.console.Shell.Staged staged = new io.mast.runtime.console.Shell.Staged();

      @Override
      public String who() {
        return "test";
      }

      @Override
      public boolean mayChange() {
        return false;
      }

      @Override
      public String howToChange() {
        return "";
      }

      @Override
      public boolean interactive() {
        return false;
      }

      @Override
      public io.mast.runtime.console.Shell.Staged staged() {
        return staged;
      }
    }, "ota status");
    assertEquals(0, shown.status(), shown.lines().toString());
    assertEquals("slots     running b, active b; last: committed:b:2.0.0", shown.lines().get(0));
    assertEquals("floor     security counter 2, installed 2.0.0", shown.lines().get(3));
    // the retained offer of the committed bundle, seen again at the next connect, is not taken again
    int before = statuses().size();
    pole.platform.publish("m/" + Pole.ID + "/o", v2[0].envelope(), true);
    // a marker after it on the same topic, which is answered: once its answer is here, the offer was handled
    pole.platform.publish("m/" + Pole.ID + "/o", new byte[] {0x0a, 0x01, 0x00}, false);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> statuses().size() > before);
    assertEquals(1, statuses().size() - before, "only the marker's answer: " + statuses());
    assertTrue(statuses().get(before).detail().startsWith("not a signed envelope") || statuses().get(before).state() == OtaMessages.State.REFUSED,
        statuses().toString());
    // a downgrade is refused: counter 1 is below the floor 2
    pole.platform.publish("m/" + Pole.ID + "/o", offer(dist("v0", false), "1.9.0", 1, "sim", Instant.now().getEpochSecond() + 1)
        .envelope(), false);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> statuses().stream().anyMatch(x -> x.detail().startsWith("downgrade")));
    assertTrue(statuses().stream().anyMatch(x -> x.detail().equals("downgrade: security counter 1 is below this pole's floor 2")),
        statuses().toString());
  }

  @Test
  void aTrialWithoutTheBrokerStopsAtItsDeadlineAndTheLaunchersRollbackIsReportedOnceAndNeverRetried() throws Exception {
    pole = new Pole(dir).started();
    Offer[] v2 = new Offer[1];
    Path root = restartedOnTrial(v2);
    pole.mosquitto.stop();
    pole.runtime.startOta(root, "b", Duration.ofSeconds(3));
    Awaitility.await("the trial gives up at its deadline").atMost(Duration.ofSeconds(30)).until(() -> pole.runtime.restartRequested().isDone());
    assertTrue(pole.runtime.restartRequested().get().contains("no report acknowledged by the broker"), pole.runtime.restartRequested().get());
    assertEquals("b", BootState.read(DurableFiles.real(), root).trial(), "not committed");
    // the launcher gave up on slot b after its tries; slot a runs again with the link back
    pole.mosquitto.restart();
    pole.platform.reconnect();
    new BootState("a", "", 0, "rolled_back:b:3 starts without a commit").write(DurableFiles.real(), root);
    pole.restart();
    pole.runtime.startOta(root, "a", OtaAgent.TRIAL_DEADLINE);
    OtaMessages.Status back = awaitStatus(OtaMessages.State.ROLLED_BACK);
    assertEquals("2.0.0", back.version());
    assertEquals("slot b:3 starts without a commit", back.detail());
    Awaitility.await("the outcome cleared once reported").atMost(Duration.ofSeconds(30))
        .until(() -> BootState.read(DurableFiles.real(), root).last().isEmpty());
    // the same bundle offered again is not taken: no loop
    pole.platform.publish("m/" + Pole.ID + "/o", offer(dist("v2b", true), "2.0.0", 2, "sim", Instant.now().getEpochSecond() + 5)
        .envelope(), false);
    Awaitility.await().atMost(Duration.ofSeconds(30))
        .until(() -> statuses().stream().anyMatch(x -> x.detail().contains("was rolled back on this pole before")));
  }

  @Test
  void aLinkThatIsDownAtTheTrialsStartAndBackBeforeItsDeadlineCommitsWithoutARollback() throws Exception {
    pole = new Pole(dir).started();
    Offer[] v2 = new Offer[1];
    Path root = restartedOnTrial(v2);
    pole.mosquitto.stop();
    OtaAgent agent = pole.runtime.startOta(root, "b", Duration.ofSeconds(300));
    Awaitility.await("the trial waits for the broker").atMost(Duration.ofSeconds(30)).until(() -> agent.describe().stream()
        .anyMatch(l -> l.startsWith("trial ") && l.contains("still: no report acknowledged by the broker yet")
            && !l.contains("sensors that neither")));
    assertEquals("b", BootState.read(DurableFiles.real(), root).trial(), "no commit without the broker");
    pole.mosquitto.restart();
    pole.platform.reconnect();
    assertEquals("2.0.0", awaitStatus(OtaMessages.State.COMMITTED).version());
    assertEquals(new BootState("b", "", 0, "committed:b:2.0.0"), BootState.read(DurableFiles.real(), root));
    assertTrue(!pole.runtime.restartRequested().isDone(), "no restart, so the launcher counts nothing");
  }
}

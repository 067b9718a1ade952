package io.mast.runtime.ota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.ota.BootState;
import io.mast.ota.Packer;
import io.mast.protocol.OtaMessages;
import io.mast.runtime.console.Pole;
import io.mast.seams.DurableFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Power cuts during an update (while downloading, staging, switching the boot pointer, between the
 * commit and the counter floor): the next start finishes the step without fetching again what was kept.
 */
class OtaPowerCutTest extends OtaPoleTest {
  /** Chunks of the download here now, from the agent's {@code ota status} line ("download  V: N of T chunks, ..."). */
  private static int chunksHere(OtaAgent agent) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("^download  \\S+: (\\d+) of").matcher(agent.describe().get(1));
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }

  @Test
  void aPowerCutWhileDownloadingKeepsTheCheckpointedChunksAndTheRetainedOfferResumesAfterTheRestart() throws Exception {
    pole = new Pole(dir).started();
    Path root = slots(dist("v1", false));
    server = new ChunkServer(pole.mosquitto.uri());
    io.mast.seams.FaultyFiles faulty = new io.mast.seams.FaultyFiles();
    OtaAgent agent = pole.runtime.startOta(root, "a", OtaAgent.TRIAL_DEADLINE, faulty);
    budget(0); // a whole bundle and part of it again: near the example's daily budget
    Offer v3 = offer(dist("v3", false, 3), "3.0.0", 3, "sim", Instant.now().getEpochSecond()); // nothing in common with v1's text
    int total = v3.packed().manifest().chunks().size();
    server.packed = v3.packed();
    server.limit = 60;
    pole.platform.publish("m/" + Pole.ID + "/o", v3.envelope(), true);
    // the chunks of v3 that slot a's files already hold (its bin/mast): seeded, never fetched
    java.util.Set<String> base = new java.util.HashSet<>();
    Packer.pack(root.resolve("slots/a"), new Packer.Release("1", 1, "sim", 17, 0, "")).manifest().chunks()
        .forEach(c -> base.add(java.util.HexFormat.of().formatHex(c.sha256())));
    int seeded = (int) v3.packed().manifest().chunks().stream().filter(c -> base.contains(java.util.HexFormat.of().formatHex(c.sha256())))
        .count();
    // every one of the 60 served taken (the seeded chunks were here before any)
    Awaitility.await("60 chunks taken").atMost(Duration.ofSeconds(60)).until(() -> chunksHere(agent) >= 60 + seeded);
    assertEquals(60 + seeded, chunksHere(agent), "no more than the server's 60 were taken");
    faulty.powerCut();
    pole.restart();
    server.served.clear();
    server.limit = Integer.MAX_VALUE;
    pole.runtime.startOta(root, "a", OtaAgent.TRIAL_DEADLINE);
    awaitStatus(OtaMessages.State.INSTALLED);
    int fetchedAgain = server.served.size();
    assertTrue(fetchedAgain <= total - seeded - io.mast.ota.Download.CHECKPOINT_CHUNKS,
        "the chunks up to the last checkpoint were kept: " + fetchedAgain + " of " + total + " fetched after the restart");
    assertTrue(fetchedAgain > total - seeded - 60, "the chunks taken after the checkpoint were lost with the power: " + fetchedAgain);
    assertStaged("v3", v3.packed(), root);
  }

  /**
   * A pole on v1 takes v2 and the power goes at the first file operation {@code where} (given the
   * slot root) accepts, after the download; the next start must install it without fetching a chunk again.
   */
  private void powerCutWhileInstallingIsInstalledAtTheNextStart(java.util.function.Function<Path, java.util.function.Predicate<Path>> where)
      throws Exception {
    pole = new Pole(dir).started();
    Path root = slots(dist("v1", false));
    server = new ChunkServer(pole.mosquitto.uri());
    io.mast.seams.FaultyFiles faulty = new io.mast.seams.FaultyFiles().powerCutWhenTouching(where.apply(root));
    pole.runtime.startOta(root, "a", OtaAgent.TRIAL_DEADLINE, faulty);
    Offer v2 = offer(dist("v2", true), "2.0.0", 2, "sim", Instant.now().getEpochSecond());
    server.packed = v2.packed();
    pole.platform.publish("m/" + Pole.ID + "/o", v2.envelope(), true);
    Awaitility.await("the power cut").atMost(Duration.ofSeconds(60)).until(faulty::crashed);
    assertEquals(BootState.initial(), BootState.read(DurableFiles.real(), root), "the old pointer holds: slot a runs");
    assertTrue(statuses().stream().noneMatch(x -> x.state() == OtaMessages.State.INSTALLED), statuses().toString());
    int served = server.served.size();
    pole.restart();
    pole.runtime.startOta(root, "a", OtaAgent.TRIAL_DEADLINE);
    awaitStatus(OtaMessages.State.INSTALLED);
    assertEquals(served, server.served.size(), "nothing fetched again");
    assertEquals(new BootState("a", "b", 0, "installed:b:2.0.0"), BootState.read(DurableFiles.real(), root));
    assertStaged("v2", v2.packed(), root);
  }

  @Test
  void aPowerCutWhileStagingStagesAgainFromTheKeptChunksAtTheNextStartWithoutFetchingThem() throws Exception {
    powerCutWhileInstallingIsInstalledAtTheNextStart(root -> p -> p.startsWith(root.resolve("slots/b")));
  }

  @Test
  void aPowerCutWhileSwitchingTheBootPointerLeavesTheOldSlotActiveAndTheNextStartSwitchesAgain() throws Exception {
    powerCutWhileInstallingIsInstalledAtTheNextStart(root -> p -> p.getParent() != null && p.getParent().equals(root)
        && p.getFileName().toString().startsWith("boot"));
  }

  @Test
  void aPowerCutBetweenTheCommitAndTheCounterFloorIsFinishedAtTheNextStart() throws Exception {
    pole = new Pole(dir).started();
    Offer[] v2 = new Offer[1];
    Path root = restartedOnTrial(v2);
    io.mast.seams.FaultyFiles faulty = new io.mast.seams.FaultyFiles();
    pole.runtime.startOta(root, "b", Duration.ofSeconds(60), faulty);
    faulty.powerCutWhenTouching(p -> p.endsWith("floor.state"));
    Awaitility.await("the power cut after the boot pointer's commit").atMost(Duration.ofSeconds(60)).until(faulty::crashed);
    assertEquals(new BootState("b", "", 0, "committed:b:2.0.0"), BootState.read(DurableFiles.real(), root));
    assertTrue(statuses().stream().noneMatch(x -> x.state() == OtaMessages.State.COMMITTED), "not reported before the floor is written");
    pole.restart();
    OtaAgent agent = pole.runtime.startOta(root, "b", OtaAgent.TRIAL_DEADLINE);
    assertEquals("2.0.0", awaitStatus(OtaMessages.State.COMMITTED).version());
    assertEquals(2, agent.counterFloor());
    pole.platform.publish("m/" + Pole.ID + "/o", offer(dist("v0", false), "1.9.0", 1, "sim", Instant.now().getEpochSecond() + 1)
        .envelope(), false);
    assertEquals(OtaMessages.State.REFUSED, awaitDetail("downgrade: security counter 1 is below this pole's floor 2").state());
  }
}

package io.mast.runtime.ota;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.ota.BootState;
import io.mast.ota.Packer;
import io.mast.ota.Patches;
import io.mast.protocol.OtaManifestMessage;
import io.mast.protocol.OtaPatchMessage;
import io.mast.protocol.OtaMessages;
import io.mast.protocol.SignedControl;
import io.mast.runtime.console.Pole;
import io.mast.seams.DurableFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The OTA download of a simulated pole against a real Mosquitto: the chunks the running slot lacks
 * asked for with a window and served by a chunk server on {@code od}, garbage from that server
 * refused and asked again, a patch expanded from the running slot, the daily byte budget, a new
 * connection mid-download, the bundle staged into the other slot and set as the launcher's trial.
 */
class OtaDownloadTest extends OtaPoleTest {
  @Test
  void onlyTheChangedChunksTravelAndTheBundleIsStagedAsTheTrialSlot() throws Exception {
    pole = new Pole(dir).started();
    Path v1 = dist("v1", false);
    Path root = slots(v1);
    server = new ChunkServer(pole.mosquitto.uri());
    OtaAgent agent = pole.runtime.startOta(root);
    Offer v2 = offer(dist("v2", true), "2.0.0", 2, "sim", Instant.now().getEpochSecond());
    server.packed = v2.packed();
    server.garbageLeft = 1; // the first chunk served is damaged on the way
    pole.platform.publish("m/" + Pole.ID + "/o", v2.envelope(), true);
    awaitStatus(OtaMessages.State.INSTALLED);
    OtaManifestMessage m = v2.packed().manifest();
    assertTrue(server.bytesServed.get() < m.totalSize() * 0.10, "only what changed travelled: " + server.bytesServed.get()
        + " of " + m.totalSize() + " bytes");
    assertTrue(server.served.size() >= 2, "the damaged chunk was asked again: " + server.served);
    for (OtaManifestMessage.File f : m.files()) {
      assertArrayEquals(Files.readAllBytes(dir.resolve("v2").resolve(f.path())), Files.readAllBytes(root.resolve("slots/b").resolve(f.path())),
          f.path());
    }
    assertEquals(new BootState("a", "b", 0, "installed:b:2.0.0"), BootState.read(DurableFiles.real(), root));
    assertTrue(pole.runtime.restartRequested().isDone(), "the runtime is asked to restart into it");
    List<OtaMessages.State> seen = statuses().stream().map(OtaMessages.Status::state).toList();
    assertEquals(List.of(OtaMessages.State.OFFERED, OtaMessages.State.DOWNLOADING), seen.subList(0, 2), seen.toString());
    assertTrue(seen.indexOf(OtaMessages.State.VERIFIED) < seen.indexOf(OtaMessages.State.INSTALLED), seen.toString());
    assertEquals(0, agent.dropped());
  }

  @Test
  void aPatchIsExpandedFromTheRunningSlotSoOnlyItsChangedChunksTravelAndAPoleNotOnItsBaseAsksForTheFullManifest() throws Exception {
    pole = new Pole(dir).started();
    Path v1 = dist("v1", false);
    Path root = slots(v1);
    server = new ChunkServer(pole.mosquitto.uri());
    pole.runtime.startOta(root);
    long now = Instant.now().getEpochSecond();
    Offer v2 = offer(dist("v2", true), "2.0.0", 2, "sim", now);
    server.packed = v2.packed();
    String o = "m/" + Pole.ID + "/o";

    // a patch against another release: the pole says it wants the full manifest, and fetches nothing
    Packer.Packed other = Packer.pack(dist("v0", false, 5), new Packer.Release("0.9.0", 1, "sim", 17, now + 86_400, ""));
    OtaPatchMessage foreign = Patches.make(other.manifest(), v2.packed().manifest());
    pole.platform.publish(o, SignedControl.sign(SignedControl.Type.OTA_MANIFEST, Pole.ID, now - 1, now + 86_400, foreign.toBytes(),
        pole.platform.keyId, pole.platform.key.getPrivate()), false);
    OtaMessages.Status wants = awaitStatus(OtaMessages.State.WANTS_FULL);
    assertEquals("2.0.0", wants.version());
    assertTrue(wants.detail().contains("not the patch's base"), wants.detail());
    assertEquals(0, server.bytesServed.get(), "nothing fetched for it");

    // the patch against the release the pole runs: expanded to the full manifest, only the changed chunks fetched
    OtaPatchMessage patch = Patches.make(Packer.pack(v1, new Packer.Release("1.0.0", 1, "sim", 17, now + 86_400, "")).manifest(),
        v2.packed().manifest());
    byte[] envelope = SignedControl.sign(SignedControl.Type.OTA_MANIFEST, Pole.ID, now, now + 86_400, patch.toBytes(), pole.platform.keyId,
        pole.platform.key.getPrivate());
    assertTrue(envelope.length * 4 < v2.envelope().length, envelope.length + " bytes of patch, " + v2.envelope().length + " of manifest");
    pole.platform.publish(o, envelope, true);
    awaitStatus(OtaMessages.State.INSTALLED);
    assertEquals(patch.newBytes(), server.bytesServed.get(), "exactly the chunks new to the base travelled");
    for (OtaManifestMessage.File f : v2.packed().manifest().files()) {
      assertArrayEquals(Files.readAllBytes(dir.resolve("v2").resolve(f.path())), Files.readAllBytes(root.resolve("slots/b").resolve(f.path())),
          f.path());
    }
    assertEquals(new BootState("a", "b", 0, "installed:b:2.0.0"), BootState.read(DurableFiles.real(), root));
  }

  @Test
  void chunksOfTwoReleasesServedAtOnceAreSortedByTheManifestAndTheBundleStillCompletes() throws Exception {
    pole = new Pole(dir).started();
    Path root = slots(dist("v1", false));
    server = new ChunkServer(pole.mosquitto.uri());
    OtaAgent agent = pole.runtime.startOta(root, "a", OtaAgent.TRIAL_DEADLINE);
    budget(0); // three releases' worth of chunks come down: more than the example's daily budget
    Offer v3 = offer(dist("v3", false, 3), "3.0.0", 3, "sim", Instant.now().getEpochSecond());
    server.packed = v3.packed();
    server.mixWith = Packer.pack(dist("v4", false, 4), new Packer.Release("4.0.0", 4, "sim", 17, 0, ""));
    pole.platform.publish("m/" + Pole.ID + "/o", v3.envelope(), true);
    // three messages per chunk asked overflow the agent's queue now and then: a chunk dropped there
    // is asked again once the burst is over, well before the resend of a window without progress
    awaitStatus(OtaMessages.State.INSTALLED, OtaAgent.RESEND);
    assertStaged("v3", v3.packed(), root);
    java.util.regex.Matcher refused = java.util.regex.Pattern.compile(" (\\d+) refused$").matcher(agent.describe().get(1));
    assertTrue(refused.find(), agent.describe().toString());
    assertTrue(Integer.parseInt(refused.group(1)) > 0, "the other release's chunks under this bundle's name were refused: " + agent.describe());
  }

  @Test
  void aDownloadWaitsWhileTheDailyByteBudgetIsSpentAndGoesOnOnceItAllows() throws Exception {
    pole = new Pole(dir).started();
    Path root = slots(dist("v1", false));
    server = new ChunkServer(pole.mosquitto.uri());
    OtaAgent agent = pole.runtime.startOta(root, "a", OtaAgent.TRIAL_DEADLINE);
    budget(1); // spent already: the connection's birth and profile cost more
    Offer v2 = offer(dist("v2", true), "2.0.0", 2, "sim", Instant.now().getEpochSecond());
    server.packed = v2.packed();
    pole.platform.publish("m/" + Pole.ID + "/o", v2.envelope(), true);
    awaitStatus(OtaMessages.State.OFFERED);
    Awaitility.await("the download waits").atMost(Duration.ofSeconds(30))
        .until(() -> agent.describe().get(1).endsWith("; waits for telemetry or the byte budget"));
    assertTrue(server.served.isEmpty(), "no chunk asked for while the budget is spent: " + server.served);
    long before = ((io.mast.runtime.uplink.Uplink) pole.runtime.link()).stats().bytesTotal();
    budget(0); // no limit: the download goes on at its next look
    awaitStatus(OtaMessages.State.INSTALLED);
    long after = ((io.mast.runtime.uplink.Uplink) pole.runtime.link()).stats().bytesTotal();
    assertTrue(after - before >= server.bytesServed.get(), "the chunks' bytes count against the budget: " + (after - before) + " bytes counted, "
        + server.bytesServed.get() + " served");
  }

  @Test
  void aNewConnectionInTheMiddleOfADownloadAsksAgainForTheChunksInFlightAndTheDownloadCompletes() throws Exception {
    pole = new Pole(dir).started();
    Path root = slots(dist("v1", false));
    server = new ChunkServer(pole.mosquitto.uri());
    OtaAgent agent = pole.runtime.startOta(root, "a", OtaAgent.TRIAL_DEADLINE);
    budget(0);
    Offer v3 = offer(dist("v3", false, 3), "3.0.0", 3, "sim", Instant.now().getEpochSecond());
    server.packed = v3.packed();
    server.limit = 20;
    pole.platform.publish("m/" + Pole.ID + "/o", v3.envelope(), true);
    Awaitility.await("20 chunks served, more asked").atMost(Duration.ofSeconds(60)).until(() -> server.askedBeyondLimit.get() > 0);
    // a config that changes the connection (its keepalive): the uplink says goodbye and connects again
    io.mast.config.model.DeviceConfig c = pole.runtime.config();
    io.mast.config.model.DeviceConfig next = c.toBuilder().setVersion(pole.runtime.configAgent().nextVersion())
        .setUplink(c.getUplink().toBuilder().setKeepaliveS(600)).build();
    pole.runtime.configAgent().submit(next, "console", 0).get(30, java.util.concurrent.TimeUnit.SECONDS);
    server.limit = Integer.MAX_VALUE;
    awaitStatus(OtaMessages.State.INSTALLED);
    assertStaged("v3", v3.packed(), root);
    assertEquals(0, agent.dropped());
  }
}

package io.mast.runtime.ota;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.ota.BootState;
import io.mast.ota.Packer;
import io.mast.ota.Patches;
import io.mast.protocol.Ed25519Keys;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.OtaManifestMessage;
import io.mast.protocol.OtaPatchMessage;
import io.mast.protocol.OtaMessages;
import io.mast.protocol.SignedControl;
import io.mast.runtime.console.Pole;
import io.mast.seams.DurableFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OTA download of a simulated pole against a real Mosquitto: an offer verified and
 * refused with its reason when it must be, the chunks the running slot lacks asked for with a
 * window and served by a chunk server on {@code od}, garbage from that server refused and asked
 * again, the bundle staged into the other slot and set as the launcher's trial.
 */
class OtaDownloadTest {
  @TempDir
  Path dir;

  private Pole pole;
  private ChunkServer server;

  @AfterEach
  void closeAll() throws Exception {
    if (server != null) {
      server.close();
    }
    if (pole != null) {
      pole.close();
    }
  }

  /** A distribution of four files of text, one of them changed from {@code changed} on. */
  private Path dist(String name, boolean changed) throws IOException {
    return dist(name, changed, 0);
  }

  /** As {@link #dist(String, boolean)}, its text drawn from {@code seed} (another seed: every chunk differs). */
  private Path dist(String name, boolean changed, int seed) throws IOException {
    Path d = dir.resolve(name);
    Files.createDirectories(d.resolve("lib"));
    for (int j = 0; j < 4; j++) {
      Random r = new Random(j + 1000L * seed);
      StringBuilder b = new StringBuilder();
      for (int k = 0; k < 30_000; k++) {
        b.append("w").append(r.nextInt(100_000)).append(' ');
        if (changed && j == 2 && k == 15_000) {
          b.append("a patched method ");
        }
      }
      Files.writeString(d.resolve("lib").resolve("part" + j + ".jar"), b);
    }
    Files.createDirectories(d.resolve("bin"));
    Files.writeString(d.resolve("bin/mast"), "#!/bin/sh\nexit 0\n");
    return d;
  }

  private record Offer(byte[] envelope, Packer.Packed packed) {}

  private Offer offer(Path dist, String version, long counter, String target, long issued) throws Exception {
    return offer(dist, version, counter, target, issued, issued + 86_400, pole.platform.keyId, pole.platform.key.getPrivate());
  }

  private Offer offer(Path dist, String version, long counter, String target, long issued, long expires, String keyId, PrivateKey key)
      throws Exception {
    Packer.Packed p = Packer.pack(dist, new Packer.Release(version, counter, target, 17, expires, ""));
    byte[] envelope = SignedControl.sign(SignedControl.Type.OTA_MANIFEST, Pole.ID, issued, expires, p.manifest().toBytes(), keyId, key);
    return new Offer(envelope, p);
  }

  private List<OtaMessages.Status> statuses() throws FrameFormatException {
    List<OtaMessages.Status> out = new ArrayList<>();
    for (byte[] p : pole.platform.payloads("m/" + Pole.ID + "/os")) {
      out.add(OtaMessages.Status.parse(p));
    }
    return out;
  }

  private OtaMessages.Status awaitStatus(OtaMessages.State state) {
    return awaitStatus(state, Duration.ofSeconds(60));
  }

  private OtaMessages.Status awaitStatus(OtaMessages.State state, Duration within) {
    OtaMessages.Status[] found = new OtaMessages.Status[1];
    Awaitility.await("an OTA status " + state).atMost(within).until(() -> {
      for (OtaMessages.Status s : statuses()) {
        if (s.state() == state) {
          found[0] = s;
          return true;
        }
      }
      return false;
    });
    return found[0];
  }

  /** The slot layout of a pole installed with {@code v1} in slot a. */
  private Path slots(Path v1) throws IOException {
    Path root = dir.resolve("root");
    Path a = root.resolve("slots/a");
    Files.createDirectories(a);
    try (var walk = Files.walk(v1)) {
      for (Path p : walk.toList()) {
        Path to = a.resolve(v1.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(to);
        } else {
          Files.copy(p, to);
        }
      }
    }
    BootState.initial().write(DurableFiles.real(), root);
    return root;
  }

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
  void anOfferIsRefusedWithItsReasonForAnotherBoardAForgedSignatureOrAnOldIssueTime() throws Exception {
    pole = new Pole(dir).started();
    OtaAgent agent = pole.runtime.startOta(null);
    long now = Instant.now().getEpochSecond();
    Path v1 = dist("v1", false);
    String o = "m/" + Pole.ID + "/o";

    pole.platform.publish(o, offer(v1, "1.0.0", 1, "pi", now).envelope(), false);
    OtaMessages.Status board = awaitStatus(OtaMessages.State.REFUSED);
    assertEquals("target 'pi' is not this pole's board 'sim'", board.detail());

    byte[] forged = offer(v1, "1.0.1", 1, "sim", now).envelope();
    forged[forged.length - 3] ^= 1;
    pole.platform.publish(o, forged, false);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> statuses().size() >= 2);
    assertTrue(statuses().get(1).detail().contains("does not verify under key 'ops-1'"), statuses().get(1).toString());

    PrivateKey stranger = Ed25519Keys.generate().getPrivate();
    Packer.Packed p = Packer.pack(v1, new Packer.Release("1.0.2", 1, "sim", 17, now + 600, ""));
    pole.platform.publish(o, SignedControl.sign(SignedControl.Type.OTA_MANIFEST, Pole.ID, now, now + 600, p.manifest().toBytes(), "nobody",
        stranger), false);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> statuses().size() >= 3);
    assertTrue(statuses().get(2).detail().contains("key id 'nobody' is not trusted"), statuses().get(2).toString());

    // a good offer is taken (verified, not installed: no launcher here), then an older one is a replay
    pole.platform.publish(o, offer(v1, "1.1.0", 3, "sim", now).envelope(), false);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> statuses().stream().anyMatch(s -> s.state() == OtaMessages.State.OFFERED));
    pole.platform.publish(o, offer(dist("v0", true), "1.0.9", 3, "sim", now - 60).envelope(), false);
    Awaitility.await().atMost(Duration.ofSeconds(30))
        .until(() -> statuses().stream().anyMatch(s -> s.detail().startsWith("an old offer replayed")));
    assertTrue(agent.handled() > 0);
    assertTrue(new String(pole.platform.payloads("m/" + Pole.ID + "/os").get(0), StandardCharsets.UTF_8).contains("pi"));
  }

  /** The download of {@code v2} over a pole on {@code v1} in slot a, up to INSTALLED; returns the slot root. */
  private Path installed(Offer[] offered) throws Exception {
    Path root = slots(dist("v1", false));
    server = new ChunkServer(pole.mosquitto.uri());
    pole.runtime.startOta(root, "a", OtaAgent.TRIAL_DEADLINE);
    Offer v2 = offer(dist("v2", true), "2.0.0", 2, "sim", Instant.now().getEpochSecond());
    server.packed = v2.packed();
    pole.platform.publish("m/" + Pole.ID + "/o", v2.envelope(), true);
    awaitStatus(OtaMessages.State.INSTALLED);
    offered[0] = v2;
    return root;
  }

  /** {@link #installed}, then the launcher's part: slot b on trial (its first start), the runtime started again. */
  private Path restartedOnTrial(Offer[] offered) throws Exception {
    Path root = installed(offered);
    new BootState("a", "b", 1, "installed:b:2.0.0").write(DurableFiles.real(), root);
    pole.restart();
    return root;
  }

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

  /** Waits for a status whose detail contains {@code what}; returns it. */
  private OtaMessages.Status awaitDetail(String what) {
    OtaMessages.Status[] found = new OtaMessages.Status[1];
    Awaitility.await("an OTA status saying '" + what + "'").atMost(Duration.ofSeconds(30)).until(() -> {
      for (OtaMessages.Status s : statuses()) {
        if (s.detail().contains(what)) {
          found[0] = s;
          return true;
        }
      }
      return false;
    });
    return found[0];
  }

  @Test
  void anExpiredOfferAndOneNotYetValidAreRefusedOnAPoleThatKnowsTheTime() throws Exception {
    pole = new Pole(dir).started();
    pole.runtime.startOta(null);
    long now = Instant.now().getEpochSecond();
    Path v1 = dist("v1", false);
    String o = "m/" + Pole.ID + "/o";
    pole.platform.publish(o, offer(v1, "1.0.0", 1, "sim", now - 7200, now - 60, pole.platform.keyId, pole.platform.key.getPrivate())
        .envelope(), false);
    OtaMessages.Status expired = awaitDetail("expired");
    assertEquals(OtaMessages.State.REFUSED, expired.state());
    assertTrue(expired.detail().startsWith("it expired at "), expired.detail());
    pole.platform.publish(o, offer(v1, "1.0.1", 1, "sim", now + 86_400, now + 2 * 86_400, pole.platform.keyId,
        pole.platform.key.getPrivate()).envelope(), false);
    OtaMessages.Status early = awaitDetail("not valid yet");
    assertEquals(OtaMessages.State.REFUSED, early.state());
    assertTrue(early.detail().contains("at most 600 s allowed"), early.detail());
    assertEquals(2, statuses().size(), statuses().toString());
  }

  @Test
  void aBoardWithoutAClockTakesAnOfferFromItsFutureAndJudgesExpiryByItsPersistedClockFloor() throws Exception {
    // no real-time clock: the board wakes at 1970 at every start
    pole = new Pole(dir).startedManuallyAt(Instant.EPOCH);
    pole.runtime.startOta(null);
    long now = Instant.now().getEpochSecond();
    Path v1 = dist("v1", false);
    String o = "m/" + Pole.ID + "/o";
    assertTrue(pole.runtime.configAgent().now() < now - 86_400, "the pole does not know the time yet");
    // issued decades after the pole's clock: taken (the pole cannot tell how far behind it is), and it teaches the pole the time
    pole.platform.publish(o, offer(v1, "1.0.0", 1, "sim", now, now + 86_400, pole.platform.keyId, pole.platform.key.getPrivate())
        .envelope(), false);
    awaitStatus(OtaMessages.State.OFFERED);
    Awaitility.await("the clock floor rises to the offer's issue time").atMost(Duration.ofSeconds(30))
        .until(() -> pole.runtime.configAgent().now() >= now);
    // a power cut: the board is back at 1970, the floor is not
    pole.restart();
    pole.runtime.startOta(null);
    assertTrue(pole.runtime.configAgent().now() >= now, "the floor persisted: " + pole.runtime.configAgent().now());
    // an offer that expired before what the pole has seen is refused, although the board's clock says 1970
    pole.platform.publish(o, offer(dist("v2", true), "1.1.0", 2, "sim", now - 7200, now - 10, pole.platform.keyId,
        pole.platform.key.getPrivate()).envelope(), true); // retained, as offers are: there whenever the new agent subscribes
    OtaMessages.Status expired = awaitDetail("expired");
    assertEquals(OtaMessages.State.REFUSED, expired.state());
    assertTrue(expired.detail().startsWith("it expired at "), expired.detail());
  }

  @Test
  void anOfferLargerThanTheFreeDiskIsRefusedBeforeAnyDownloadWithTheBytesNeeded() throws Exception {
    pole = new Pole(dir).started();
    pole.runtime.startOta(null, null, OtaAgent.TRIAL_DEADLINE, new io.mast.seams.FaultyFiles().usableSpace(100_000));
    Offer v1 = offer(dist("v1", false), "1.0.0", 1, "sim", Instant.now().getEpochSecond());
    pole.platform.publish("m/" + Pole.ID + "/o", v1.envelope(), false);
    OtaMessages.Status refused = awaitDetail("not enough disk");
    assertEquals(OtaMessages.State.REFUSED, refused.state());
    long need = 2 * v1.packed().manifest().totalSize();
    assertTrue(refused.detail().startsWith("not enough disk: " + need + " bytes needed (download and staging), 100000 free under "),
        refused.detail());
    assertTrue(!Files.exists(pole.runtime.stateRoot().resolve("ota/download")), "nothing downloaded");
    assertEquals(1, statuses().size(), statuses().toString());
  }

  private byte[] trustUpdate(long issued, PrivateKey signer, String signerId, io.mast.protocol.TrustUpdateMessage.Key... keys)
      throws Exception {
    return SignedControl.sign(SignedControl.Type.TRUST_UPDATE, Pole.ID, issued, issued + 3600,
        new io.mast.protocol.TrustUpdateMessage(List.of(keys)).toBytes(), signerId, signer);
  }

  @Test
  void aTrustUpdateSignedByATrustedKeyRotatesTheKeysAndOneSignedByAnyOtherOrReplayedIsRefused() throws Exception {
    pole = new Pole(dir).started();
    pole.runtime.startOta(null);
    long now = Instant.now().getEpochSecond();
    String o = "m/" + Pole.ID + "/o";
    java.security.KeyPair next = Ed25519Keys.generate();
    var ops2 = new io.mast.protocol.TrustUpdateMessage.Key("ops-2", Ed25519Keys.raw(next.getPublic()), false);
    // a stranger's rotation is refused before its payload is read
    java.security.KeyPair stranger = Ed25519Keys.generate();
    // retained, as offers are: the agent has it even if it subscribes after this publish
    pole.platform.publish(o, trustUpdate(now, stranger.getPrivate(), "mallory", ops2), true);
    assertTrue(awaitDetail("key id 'mallory' is not trusted").state() == OtaMessages.State.REFUSED);
    // the platform's key (ops-1) hands over to ops-2
    pole.platform.publish(o, trustUpdate(now, pole.platform.key.getPrivate(), pole.platform.keyId, ops2), true);
    Awaitility.await("the rotation applied").atMost(Duration.ofSeconds(30))
        .until(() -> pole.runtime.config().getTrust().getKeysList().stream().map(k -> k.getKeyId()).toList().equals(List.of("ops-2")));
    Awaitility.await("its acknowledgement").atMost(Duration.ofSeconds(30)).until(() -> pole.platform.acks(Pole.ID).stream()
        .anyMatch(a -> a.origin().equals("trust update") && a.result() == io.mast.protocol.ConfigAckMessage.Result.APPLIED));
    // ops-1 is no longer trusted; ops-2 is
    Path v1 = dist("v1", false);
    pole.platform.publish(o, offer(v1, "1.0.0", 1, "sim", now + 1).envelope(), false);
    assertTrue(awaitDetail("key id 'ops-1' is not trusted").detail().contains("(it trusts ops-2)"), statuses().toString());
    pole.platform.publish(o, offer(v1, "1.0.0", 1, "sim", now + 2, now + 3600, "ops-2", next.getPrivate()).envelope(), false);
    awaitStatus(OtaMessages.State.OFFERED);
    // an older rotation signed by ops-2, replayed, is refused; an empty key set is refused
    java.security.KeyPair third = Ed25519Keys.generate();
    var ops3 = new io.mast.protocol.TrustUpdateMessage.Key("ops-3", Ed25519Keys.raw(third.getPublic()), true);
    pole.platform.publish(o, trustUpdate(now + 10, next.getPrivate(), "ops-2", ops2, ops3), false);
    Awaitility.await("the second rotation applied").atMost(Duration.ofSeconds(30))
        .until(() -> pole.runtime.config().getTrust().getKeysCount() == 2);
    pole.platform.publish(o, trustUpdate(now + 5, next.getPrivate(), "ops-2", ops2), false);
    assertEquals(OtaMessages.State.REFUSED, awaitDetail("a trust update replayed").state());
    pole.platform.publish(o, trustUpdate(now + 20, next.getPrivate(), "ops-2"), false);
    assertEquals(OtaMessages.State.REFUSED, awaitDetail("it names no key").state());
    assertEquals(2, pole.runtime.config().getTrust().getKeysCount(), "the refused ones changed nothing");
    assertTrue(pole.runtime.config().getTrust().getKeys(1).getConsoleChanges());
    // after a restart the retained rotation (signed by ops-1, no longer trusted) changes nothing
    pole.restart();
    pole.runtime.startOta(null);
    pole.platform.publish(o, offer(v1, "1.0.0", 1, "sim", now + 30, now + 3600, "ops-3", third.getPrivate()).envelope(), true);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> statuses().stream().filter(x -> x.state() == OtaMessages.State.OFFERED)
        .count() == 2);
    assertEquals(List.of("ops-2", "ops-3"), pole.runtime.config().getTrust().getKeysList().stream().map(k -> k.getKeyId()).toList());
  }

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

  /** Slot b of {@code root} holds exactly the files of the distribution {@code name}, as {@code packed} lists them. */
  private void assertStaged(String name, Packer.Packed packed, Path root) throws IOException {
    for (OtaManifestMessage.File f : packed.manifest().files()) {
      assertArrayEquals(Files.readAllBytes(dir.resolve(name).resolve(f.path())), Files.readAllBytes(root.resolve("slots/b").resolve(f.path())),
          f.path());
    }
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

  /** Applies the config in force with {@code uplink.daily_byte_budget} set, as a technician's edit would. */
  private void budget(long bytes) throws Exception {
    io.mast.config.model.DeviceConfig c = pole.runtime.config();
    io.mast.config.model.DeviceConfig next = c.toBuilder().setVersion(pole.runtime.configAgent().nextVersion())
        .setUplink(c.getUplink().toBuilder().setDailyByteBudget(bytes)).build();
    io.mast.protocol.ConfigAckMessage ack = pole.runtime.configAgent().submit(next, "console", 0).get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertEquals(io.mast.protocol.ConfigAckMessage.Result.APPLIED, ack.result(), ack.toString());
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

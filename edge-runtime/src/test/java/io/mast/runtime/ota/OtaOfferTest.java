package io.mast.runtime.ota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.ota.Packer;
import io.mast.protocol.Ed25519Keys;
import io.mast.protocol.OtaMessages;
import io.mast.protocol.SignedControl;
import io.mast.runtime.console.Pole;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * An OTA offer judged before anything is fetched: refused with its reason for another board, a
 * forged or untrusted signature, a replay, expiry (also on a board without a clock), too little
 * disk; and the platform's keys rotated by a signed trust update.
 */
class OtaOfferTest extends OtaPoleTest {
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
}

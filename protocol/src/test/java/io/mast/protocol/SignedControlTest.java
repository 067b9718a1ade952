package io.mast.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.mast.protocol.SignedControl.Audience;
import io.mast.protocol.SignedControl.Type;
import io.mast.protocol.SignedControl.Verified;
import io.mast.protocol.internal.pb.SignedEnvelope;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way a control message is refused, each with its reason, and keys shared with the real openssl. */
class SignedControlTest {
  private static final long NOW = 1_780_000_000L;
  private static final Audience POLE = new Audience("pole-17", Set.of("north", "water"));
  private static final byte[] PAYLOAD = "the payload".getBytes(StandardCharsets.UTF_8);

  private final KeyPair platform = Ed25519Keys.generate();
  private final KeyPair stranger = Ed25519Keys.generate();
  private final TrustedKeys trusted = TrustedKeys.of(Map.of("ops-1", platform.getPublic()));

  private byte[] signed(Type type, String target, long issued, long expires, PrivateKey key) throws Exception {
    return SignedControl.sign(type, target, issued, expires, PAYLOAD, "ops-1", key);
  }

  private byte[] config(String target) throws Exception {
    return signed(Type.CONFIG_SET, target, NOW - 60, NOW + 3600, platform.getPrivate());
  }

  private Verified verify(byte[] envelope) throws ControlRefusedException {
    return SignedControl.verify(envelope, 4096, trusted, Type.CONFIG_SET, POLE, NOW);
  }

  private List<String> refusal(byte[] envelope) {
    return assertThrows(ControlRefusedException.class, () -> verify(envelope)).reasons();
  }

  @Test
  void aMessageSignedByATrustedKeyForThisPoleGivesItsPayload() throws Exception {
    Verified v = verify(config("pole-17"));
    assertArrayEquals(PAYLOAD, v.payload());
    assertEquals("ops-1", v.keyId());
    assertTrue(v.toDevice());
    assertEquals(NOW - 60, v.issuedAt());
  }

  @Test
  void theFleetAndThePolesGroupsAreItsAudienceAndOtherGroupsAreNot() throws Exception {
    assertArrayEquals(PAYLOAD, verify(config("*")).payload());
    assertArrayEquals(PAYLOAD, verify(config("@water")).payload());
    assertEquals(false, verify(config("@north")).toDevice());
    assertEquals(List.of("it is for '@gas', not this pole ('pole-17', groups north, water)"), refusal(config("@gas")));
    assertEquals(List.of("it is for 'pole-18', not this pole ('pole-17', groups north, water)"), refusal(config("pole-18")));
  }

  @Test
  void garbageTruncationAndOversizeAreRefusedBeforeAnyKeyIsTried() throws Exception {
    assertTrue(refusal(new byte[] {(byte) 0xff, 0x01, 0x02}).get(0).startsWith("not a signed envelope (3 bytes)"));
    byte[] good = config("pole-17");
    byte[] truncated = Arrays.copyOf(good, good.length - 10);
    assertTrue(refusal(truncated).get(0).startsWith("not a signed envelope"), refusal(truncated).toString());
    List<String> big = assertThrows(ControlRefusedException.class,
        () -> SignedControl.verify(good, good.length - 1, trusted, Type.CONFIG_SET, POLE, NOW)).reasons();
    assertEquals(List.of("a message of " + good.length + " bytes is larger than the " + (good.length - 1)
        + " bytes a CONFIG_SET may have"), big);
  }

  @Test
  void anUnknownKeyABadSignatureAndATamperedBodyAreRefused() throws Exception {
    byte[] strangers = SignedControl.sign(Type.CONFIG_SET, "pole-17", NOW, NOW + 60, PAYLOAD, "ops-9", stranger.getPrivate());
    assertEquals(List.of("key id 'ops-9' is not trusted by this pole (it trusts ops-1)"), refusal(strangers));
    byte[] forged = signed(Type.CONFIG_SET, "pole-17", NOW, NOW + 60, stranger.getPrivate());
    assertEquals(List.of("the signature (64 bytes) does not verify under key 'ops-1'"), refusal(forged));
    SignedEnvelope e = SignedEnvelope.parseFrom(config("pole-17"));
    byte[] body = e.getBody().toByteArray();
    body[body.length - 1] ^= 1;
    byte[] tampered = e.toBuilder().setBody(ByteString.copyFrom(body)).build().toByteArray();
    assertEquals(List.of("the signature (64 bytes) does not verify under key 'ops-1'"), refusal(tampered));
    byte[] unsigned = e.toBuilder().clearSignature().build().toByteArray();
    assertEquals(List.of("the signature (0 bytes) does not verify under key 'ops-1'"), refusal(unsigned));
    byte[] noKey = e.toBuilder().clearKeyId().build().toByteArray();
    assertEquals(List.of("the envelope names no key id"), refusal(noKey));
    assertTrue(assertThrows(ControlRefusedException.class, () -> SignedControl.verify(config("pole-17"), 4096,
        TrustedKeys.none(), Type.CONFIG_SET, POLE, NOW)).getMessage().endsWith("(it trusts no key: set trust.keys in its config)"));
  }

  @Test
  void theRightKeyOverAnotherTypeIsRefused() throws Exception {
    byte[] ota = signed(Type.OTA_MANIFEST, "pole-17", NOW, NOW + 60, platform.getPrivate());
    assertEquals(List.of("it carries OTA_MANIFEST, not CONFIG_SET"), refusal(ota));
  }

  @Test
  void expiredAndNotYetValidMessagesAreRefusedWithThePolesTime() throws Exception {
    assertEquals(List.of("it expired at 2026-05-28T20:26:40Z; the pole's time is 2026-05-28T20:26:40Z"),
        refusal(signed(Type.CONFIG_SET, "pole-17", NOW - 100, NOW, platform.getPrivate())));
    assertEquals(List.of("it is not valid yet: issued at 2026-05-28T20:36:41Z, 601 s after the pole's time "
        + "2026-05-28T20:26:40Z (at most 600 s allowed; is a clock wrong?)"),
        refusal(signed(Type.CONFIG_SET, "pole-17", NOW + 601, NOW + 9000, platform.getPrivate())));
    assertArrayEquals(PAYLOAD, verify(signed(Type.CONFIG_SET, "pole-17", NOW + 600, NOW + 9000, platform.getPrivate())).payload());
  }

  @Test
  void aPoleThatDoesNotKnowTheTimeTakesAMessageFromItsFutureButNeverAnExpiredOne() throws Exception {
    byte[] later = signed(Type.CONFIG_SET, "pole-17", NOW + 86_400, NOW + 90_000, platform.getPrivate());
    assertArrayEquals(PAYLOAD, SignedControl.verify(later, 4096, trusted, Type.CONFIG_SET, POLE, NOW, false).payload());
    byte[] expired = signed(Type.CONFIG_SET, "pole-17", NOW - 100, NOW - 1, platform.getPrivate());
    assertThrows(ControlRefusedException.class, () -> SignedControl.verify(expired, 4096, trusted, Type.CONFIG_SET, POLE, NOW, false));
  }

  @Test
  void everyReasonOfTheBodyComesAtOnce() throws Exception {
    List<String> reasons = refusal(signed(Type.CONSOLE_COMMAND, "pole-3", NOW + 5000, NOW + 10, platform.getPrivate()));
    assertEquals(4, reasons.size(), reasons.toString());
    assertTrue(reasons.get(0).startsWith("it carries CONSOLE_COMMAND"));
    assertTrue(reasons.get(1).startsWith("it is for 'pole-3'"));
    assertTrue(reasons.get(2).startsWith("it expires (2026-05-28T20:26:50Z) before it is issued"));
    assertTrue(reasons.get(3).startsWith("it is not valid yet: issued at 2026-05-28T21:50:00Z, 5000 s after"));
  }

  @Test
  void aTargetFromTheWireIsShownCutAndEscaped() throws Exception {
    String nasty = "x\n\u0000" + "y".repeat(200);
    String reason = refusal(config(nasty)).get(0);
    assertTrue(reason.startsWith("it is for 'x\\u000a\\u0000yyy"), reason);
    assertTrue(reason.length() < 160, reason);
  }

  @Test
  void keysFromOpensslSignAndVerifyBothWays(@TempDir Path dir) throws Exception {
    Openssl openssl = new Openssl(dir);
    openssl.run("genpkey", "-algorithm", "ed25519", "-out", "key.pem");
    openssl.run("pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem");
    PrivateKey key = Ed25519Keys.readPrivatePem(Files.readString(dir.resolve("key.pem")));
    TrustedKeys theirs = TrustedKeys.of(Map.of("ops-1", Ed25519Keys.readPublicPem(Files.readString(dir.resolve("pub.pem")))));

    // signed here, verified by openssl over the exact body bytes
    byte[] envelope = SignedControl.sign(Type.CONFIG_SET, "pole-17", NOW, NOW + 60, PAYLOAD, "ops-1", key);
    SignedEnvelope e = SignedEnvelope.parseFrom(envelope);
    Files.write(dir.resolve("body"), e.getBody().toByteArray());
    Files.write(dir.resolve("sig"), e.getSignature().toByteArray());
    assertTrue(openssl.run("pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-in", "body", "-sigfile", "sig")
        .contains("Signature Verified Successfully"));

    // signed by openssl, verified here
    Files.delete(dir.resolve("sig"));
    openssl.run("pkeyutl", "-sign", "-inkey", "key.pem", "-rawin", "-in", "body", "-out", "sig");
    byte[] theirSignature = Files.readAllBytes(dir.resolve("sig"));
    byte[] byOpenssl = e.toBuilder().setSignature(ByteString.copyFrom(theirSignature)).build().toByteArray();
    assertArrayEquals(PAYLOAD, SignedControl.verify(byOpenssl, 4096, theirs, Type.CONFIG_SET, POLE, NOW).payload());
    theirSignature[7] ^= 0x10;
    byte[] broken = e.toBuilder().setSignature(ByteString.copyFrom(theirSignature)).build().toByteArray();
    assertThrows(ControlRefusedException.class, () -> SignedControl.verify(broken, 4096, theirs, Type.CONFIG_SET, POLE, NOW));
  }

  @Test
  void keysWrittenHereAreReadByOpensslAndTheRawKeyIsItsPublicKey(@TempDir Path dir) throws Exception {
    KeyPair pair = Ed25519Keys.generate();
    Files.writeString(dir.resolve("key.pem"), Ed25519Keys.privatePem(pair.getPrivate()));
    assertTrue(new Openssl(dir).run("pkey", "-in", "key.pem", "-noout", "-text").contains("ED25519 Private-Key"));
    String pub = new Openssl(dir).run("pkey", "-in", "key.pem", "-pubout");
    assertArrayEquals(Ed25519Keys.raw(pair.getPublic()), Ed25519Keys.raw(Ed25519Keys.readPublicPem(pub)));
    assertArrayEquals(pair.getPublic().getEncoded(), Ed25519Keys.publicFromRaw(Ed25519Keys.raw(pair.getPublic())).getEncoded());
    assertTrue(assertThrows(java.security.GeneralSecurityException.class, () -> Ed25519Keys.readPrivatePem(pub))
        .getMessage().startsWith("expected a PEM PRIVATE KEY (-----BEGIN PRIVATE KEY-----), found -----BEGIN PUBLIC KEY-----"));
  }
}

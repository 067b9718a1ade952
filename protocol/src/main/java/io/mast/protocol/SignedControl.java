package io.mast.protocol;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.mast.protocol.internal.pb.PayloadType;
import io.mast.protocol.internal.pb.SignedBody;
import io.mast.protocol.internal.pb.SignedEnvelope;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Signs and verifies the platform's control messages ({@code mast.v1.SignedEnvelope}): one
 * verifier for config, OTA offers and remote console commands. Stateless and thread-safe.
 *
 * <pre>
 * SignedEnvelope                      checked, in this order, before the next step runs
 *   1 body       bytes  SignedBody    0. the whole envelope is at most maxBytes
 *   2 key_id     string               1. the envelope parses (body stays bytes); key_id is trusted
 *   3 signature  bytes  (64)          2. Ed25519 over the exact body bytes verifies
 * SignedBody                          3. only now is the body parsed; then, every reason at once:
 *   1 type       PayloadType             the type expected on this topic,
 *   2 device     string                  this device, "*" (the fleet) or "@GROUP" of its groups,
 *   3 issued_at  int64 Unix s            issued at most {@value #MAX_AHEAD_S} s after the pole's time,
 *   4 expires_at int64 Unix s            not expired at the pole's time (and after issued_at)
 *   5 payload    bytes                4. the payload is the caller's to parse
 * </pre>
 *
 * <p>Nothing of the body is read before the signature verifies, so a forged message costs one
 * signature check and tells its sender nothing. The pole's time is the caller's: on a board
 * without a real-time clock it is the later of the system clock and a persisted floor (the
 * newest trustworthy time seen), so an expired message stays expired after a reboot to 1970.
 */
public final class SignedControl {
  /** What a signed message carries, so one verifier serves every control topic. */
  public enum Type { CONFIG_SET, OTA_MANIFEST, CONSOLE_COMMAND, TRUST_UPDATE }

  /** Who a pole is, for the target check: its device id and the groups it belongs to. */
  public record Audience(String device, Set<String> groups) {
    public Audience {
      groups = Set.copyOf(groups);
    }
  }

  /** A message whose signature verified and whose body holds for this pole now. */
  public record Verified(Type type, String keyId, String target, long issuedAt, long expiresAt, byte[] payload) {
    /** Whether it was addressed to the pole by its device id (not the fleet or a group). */
    public boolean toDevice() {
      return !target.equals(FLEET) && !target.startsWith(GROUP_MARK);
    }
  }

  /** The target of a message for every pole of the fleet. */
  public static final String FLEET = "*";
  /** The target of a message for a group starts with this, then the group's name. */
  public static final String GROUP_MARK = "@";
  /** How far a message's issue time may run ahead of the pole's time (clocks differ). */
  public static final long MAX_AHEAD_S = 600;
  /** Bytes of an Ed25519 signature. */
  public static final int SIGNATURE_BYTES = 64;

  private SignedControl() {}

  /**
   * Signs a message: the body is serialised once and the signature covers exactly those bytes.
   *
   * @param target a device id, {@link #FLEET} or {@link #GROUP_MARK} + group
   */
  public static byte[] sign(Type type, String target, long issuedAt, long expiresAt, byte[] payload, String keyId,
      PrivateKey key) throws GeneralSecurityException {
    if (keyId.isEmpty()) {
      throw new IllegalArgumentException("a signed message names its key id");
    }
    byte[] body = SignedBody.newBuilder().setType(PayloadType.forNumber(type.ordinal() + 1)).setDevice(target)
        .setIssuedAt(issuedAt).setExpiresAt(expiresAt).setPayload(ByteString.copyFrom(payload)).build().toByteArray();
    Signature s = Signature.getInstance("Ed25519");
    s.initSign(key);
    s.update(body);
    return SignedEnvelope.newBuilder().setBody(ByteString.copyFrom(body)).setKeyId(keyId)
        .setSignature(ByteString.copyFrom(s.sign())).build().toByteArray();
  }

  /**
   * Verifies {@code envelope} in the order of the table above and returns its payload.
   *
   * @param now the pole's time in Unix seconds
   * @throws ControlRefusedException with the first failure of steps 0 to 2, or every failure of step 3
   */
  /**
   * The payload of an envelope <b>without checking its signature</b>: for the platform's own
   * tools reading a file they made (the base bundle of {@code mast ota pack}); never on a pole.
   *
   * @throws FrameFormatException if it is not an envelope
   */
  public static byte[] payloadUnverified(byte[] envelope) throws FrameFormatException {
    try {
      return SignedBody.parseFrom(SignedEnvelope.parseFrom(envelope).getBody()).getPayload().toByteArray();
    } catch (InvalidProtocolBufferException e) {
      throw new FrameFormatException("not a signed envelope: " + e.getMessage());
    }
  }

  public static Verified verify(byte[] envelope, int maxBytes, TrustedKeys keys, Type expected, Audience me, long now)
      throws ControlRefusedException {
    return verify(envelope, maxBytes, keys, expected, me, now, true);
  }

  /**
   * As {@link #verify(byte[], int, TrustedKeys, Type, Audience, long)}, for a pole that may not
   * know the time: with {@code clockTrusted} false (a board without a real-time clock before it
   * learned the time) a message issued after {@code now} is taken, since the pole cannot tell
   * how far behind it is; an expired one is still refused, {@code now} being the persisted floor.
   */
  public static Verified verify(byte[] envelope, int maxBytes, TrustedKeys keys, Type expected, Audience me, long now,
      boolean clockTrusted) throws ControlRefusedException {
    return verify(envelope, maxBytes, keys, java.util.EnumSet.of(expected), me, now, clockTrusted);
  }

  /**
   * As {@link #verify(byte[], int, TrustedKeys, Type, Audience, long, boolean)}, for a topic that
   * carries more than one type (OTA offers and trust updates share {@code o}): the signed type is
   * one of {@code expected}, and {@link Verified#type()} says which. Nothing is parsed before the
   * signature verifies.
   */
  public static Verified verify(byte[] envelope, int maxBytes, TrustedKeys keys, java.util.Set<Type> expected, Audience me, long now,
      boolean clockTrusted) throws ControlRefusedException {
    String expectedNames = String.join(" or ", expected.stream().map(SignedControl::name).toList());
    if (envelope.length > maxBytes) {
      throw new ControlRefusedException("a message of " + envelope.length + " bytes is larger than the " + maxBytes
          + " bytes a " + expectedNames + " may have");
    }
    SignedEnvelope e;
    try {
      e = SignedEnvelope.parseFrom(envelope);
    } catch (InvalidProtocolBufferException ex) {
      throw new ControlRefusedException("not a signed envelope (" + envelope.length + " bytes): " + ex.getMessage());
    }
    String keyId = e.getKeyId();
    PublicKey key = keys.get(keyId).orElseThrow(() -> new ControlRefusedException(keyId.isEmpty()
        ? "the envelope names no key id" : "key id '" + shown(keyId) + "' is not trusted by this pole"
            + (keys.isEmpty() ? " (it trusts no key: set trust.keys in its config)" : " (it trusts " + String.join(", ", keys.ids()) + ")")));
    byte[] body = e.getBody().toByteArray();
    if (e.getSignature().size() != SIGNATURE_BYTES || !verifies(key, body, e.getSignature().toByteArray())) {
      throw new ControlRefusedException("the signature (" + e.getSignature().size() + " bytes) does not verify under key '" + keyId + "'");
    }
    SignedBody b;
    try {
      b = SignedBody.parseFrom(body);
    } catch (InvalidProtocolBufferException ex) {
      throw new ControlRefusedException(List.of("the signed body does not parse: " + ex.getMessage()), keyId);
    }
    List<String> reasons = new ArrayList<>();
    int typeNumber = b.getTypeValue();
    Type type = typeNumber >= 1 && typeNumber <= Type.values().length ? Type.values()[typeNumber - 1] : null;
    if (type == null || !expected.contains(type)) {
      reasons.add("it carries " + typeName(typeNumber) + ", not " + expectedNames);
    }
    String target = b.getDevice();
    if (!target.equals(FLEET) && !target.equals(me.device())
        && !(target.startsWith(GROUP_MARK) && me.groups().contains(target.substring(GROUP_MARK.length())))) {
      reasons.add("it is for '" + shown(target) + "', not this pole ('" + me.device() + "'"
          + (me.groups().isEmpty() ? ", in no group" : ", groups " + String.join(", ", me.groups().stream().sorted().toList())) + ")");
    }
    if (b.getExpiresAt() <= b.getIssuedAt()) {
      reasons.add("it expires (" + time(b.getExpiresAt()) + ") before it is issued (" + time(b.getIssuedAt()) + ")");
    } else if (b.getExpiresAt() <= now) {
      reasons.add("it expired at " + time(b.getExpiresAt()) + "; the pole's time is " + time(now));
    }
    if (clockTrusted && b.getIssuedAt() > now + MAX_AHEAD_S) {
      reasons.add("it is not valid yet: issued at " + time(b.getIssuedAt()) + ", " + (b.getIssuedAt() - now)
          + " s after the pole's time " + time(now) + " (at most " + MAX_AHEAD_S + " s allowed; is a clock wrong?)");
    }
    if (!reasons.isEmpty()) {
      throw new ControlRefusedException(reasons, keyId);
    }
    return new Verified(type, keyId, target, b.getIssuedAt(), b.getExpiresAt(), b.getPayload().toByteArray());
  }

  private static boolean verifies(PublicKey key, byte[] body, byte[] signature) {
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initVerify(key);
      s.update(body);
      return s.verify(signature);
    } catch (GeneralSecurityException ex) {
      return false;
    }
  }

  /** A string from the wire as a message may show it: at most 60 characters, control characters escaped. */
  static String shown(String s) {
    StringBuilder b = new StringBuilder();
    s.codePoints().limit(60).forEach(c -> {
      if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\u%04x", c));
      } else {
        b.appendCodePoint(c);
      }
    });
    return s.codePointCount(0, s.length()) > 60 ? b + "..." : b.toString();
  }

  private static String name(Type t) {
    return t.name();
  }

  private static String typeName(int number) {
    return number >= 1 && number <= Type.values().length ? Type.values()[number - 1].name() : "payload type " + number;
  }

  private static String time(long unixSeconds) {
    return Instant.ofEpochSecond(Math.max(-31557014167219200L, Math.min(31556889864403199L, unixSeconds))).toString();
  }
}

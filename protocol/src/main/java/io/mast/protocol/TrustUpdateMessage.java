package io.mast.protocol;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.mast.protocol.internal.pb.TrustUpdate;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A rotation of the keys a pole trusts (topic {@code o}, the payload of a
 * {@link SignedControl.Type#TRUST_UPDATE} envelope signed by a key the pole trusts now): the whole
 * new set, which replaces the config's {@code trust.keys}. Immutable.
 */
public record TrustUpdateMessage(List<Key> keys) {
  /** The most keys a set holds (a platform rotates one or two at a time). */
  public static final int MAX_KEYS = 8;
  /** The largest signed trust update envelope a pole takes. */
  public static final int MAX_ENVELOPE_BYTES = 2048;

  /** One trusted key: its id, its 32 raw public bytes, and whether its console commands may change the pole. */
  public record Key(String keyId, byte[] ed25519Public, boolean consoleChanges) {}

  public TrustUpdateMessage {
    keys = List.copyOf(keys);
  }

  public byte[] toBytes() {
    TrustUpdate.Builder b = TrustUpdate.newBuilder();
    for (Key k : keys) {
      b.addKeys(io.mast.protocol.internal.pb.TrustedKey.newBuilder().setKeyId(k.keyId()).setEd25519Public(ByteString.copyFrom(k.ed25519Public()))
          .setConsoleChanges(k.consoleChanges()));
    }
    return b.build().toByteArray();
  }

  /**
   * Parses and checks a verified payload: 1 to {@value #MAX_KEYS} keys, each id printable, at
   * most 64 characters and named once, each public key 32 bytes that make an Ed25519 key.
   *
   * @throws FrameFormatException naming every problem
   */
  public static TrustUpdateMessage parse(byte[] payload) throws FrameFormatException {
    TrustUpdate t;
    try {
      t = TrustUpdate.parseFrom(payload);
    } catch (InvalidProtocolBufferException e) {
      throw new FrameFormatException("not a trust update: " + e.getMessage());
    }
    List<String> problems = new ArrayList<>();
    if (t.getKeysCount() == 0) {
      problems.add("it names no key: a pole must trust at least one");
    }
    if (t.getKeysCount() > MAX_KEYS) {
      problems.add("it names " + t.getKeysCount() + " keys; at most " + MAX_KEYS);
    }
    Set<String> ids = new HashSet<>();
    List<Key> keys = new ArrayList<>();
    for (var k : t.getKeysList().subList(0, Math.min(t.getKeysCount(), MAX_KEYS))) {
      String id = k.getKeyId();
      if (id.isEmpty() || id.length() > 64 || id.chars().anyMatch(c -> c <= 0x20 || c == 0x7f)) {
        problems.add("key id '" + SignedControl.shown(id) + "' is not 1 to 64 printable characters without spaces");
      } else if (!ids.add(id)) {
        problems.add("key id '" + id + "' is named twice");
      }
      try {
        Ed25519Keys.publicFromRaw(k.getEd25519Public().toByteArray());
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        problems.add("key '" + SignedControl.shown(id) + "': " + k.getEd25519Public().size() + " bytes are not an Ed25519 public key");
      }
      keys.add(new Key(id, k.getEd25519Public().toByteArray(), k.getConsoleChanges()));
    }
    if (!problems.isEmpty()) {
      throw new FrameFormatException("trust update refused: " + String.join("; ", problems));
    }
    return new TrustUpdateMessage(keys);
  }
}

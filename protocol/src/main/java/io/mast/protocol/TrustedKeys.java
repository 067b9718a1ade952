package io.mast.protocol;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The Ed25519 public keys a pole trusts to sign control messages (config, OTA offers, remote
 * console commands), by key id. Immutable and thread-safe.
 */
public final class TrustedKeys {
  private final Map<String, PublicKey> keys;

  private TrustedKeys(Map<String, PublicKey> keys) {
    this.keys = Collections.unmodifiableMap(keys);
  }

  public static TrustedKeys none() {
    return new TrustedKeys(new LinkedHashMap<>());
  }

  /**
   * The keys of {@code raw} (key id to the 32 raw bytes of the public key, as the device config
   * lists them).
   *
   * @throws GeneralSecurityException naming the key id whose bytes are no Ed25519 public key
   */
  public static TrustedKeys ofRaw(Map<String, byte[]> raw) throws GeneralSecurityException {
    Map<String, PublicKey> keys = new LinkedHashMap<>();
    for (Map.Entry<String, byte[]> e : raw.entrySet()) {
      try {
        keys.put(e.getKey(), Ed25519Keys.publicFromRaw(e.getValue()));
      } catch (GeneralSecurityException ex) {
        throw new GeneralSecurityException("trusted key '" + e.getKey() + "': " + ex.getMessage(), ex);
      }
    }
    return new TrustedKeys(keys);
  }

  public static TrustedKeys of(Map<String, PublicKey> keys) {
    return new TrustedKeys(new LinkedHashMap<>(keys));
  }

  public Optional<PublicKey> get(String keyId) {
    return Optional.ofNullable(keys.get(keyId));
  }

  public Set<String> ids() {
    return keys.keySet();
  }

  public boolean isEmpty() {
    return keys.isEmpty();
  }
}

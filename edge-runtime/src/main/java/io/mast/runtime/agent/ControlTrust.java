package io.mast.runtime.agent;

import io.mast.config.model.DeviceConfig;
import io.mast.config.model.TrustedKey;
import io.mast.protocol.TrustedKeys;
import java.security.GeneralSecurityException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tinylog.Logger;

/** The keys a config trusts to sign control messages: config pushes, remote console commands, updates. */
public final class ControlTrust {
  private ControlTrust() {}

  /** The keys {@code c} trusts; none (and logged) when they are unusable, so nothing verifies. */
  public static TrustedKeys keys(DeviceConfig c) {
    Map<String, byte[]> raw = new LinkedHashMap<>();
    for (TrustedKey k : c.getTrust().getKeysList()) {
      raw.put(k.getKeyId(), k.getEd25519Public().toByteArray());
    }
    try {
      return TrustedKeys.ofRaw(raw);
    } catch (GeneralSecurityException e) {
      Logger.error("config: the trusted keys are unusable ({}); no push can be verified", e.getMessage());
      return TrustedKeys.none();
    }
  }
}

package io.mast.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.protocol.ControlRefusedException;
import io.mast.protocol.ControlLimits;
import io.mast.protocol.Ed25519Keys;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.SignedControl;
import io.mast.protocol.TrustedKeys;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The signed envelope of every control message, verified as a pole does before it parses
 * anything in it (a trusted key, every type, the pole's audience), and read unverified as the
 * platform's tools do. Expected: {@link ControlRefusedException} with its reasons, or
 * {@link FrameFormatException}. Anything else is a finding.
 */
class SignedEnvelopeFuzzTest {
  private static final KeyPair KEY = Ed25519Keys.generate();
  private static final TrustedKeys TRUSTED = trusted();
  private static final SignedControl.Audience POLE = new SignedControl.Audience("pole-1", Set.of("north"));

  @FuzzTest
  void verify(byte[] envelope) {
    Expected.only(ControlRefusedException.class, () -> SignedControl.verify(envelope, ControlLimits.MAX_CONTROL_MESSAGE_BYTES, TRUSTED,
        EnumSet.allOf(SignedControl.Type.class), POLE, 1_790_000_000L, true));
    Expected.only(FrameFormatException.class, () -> SignedControl.payloadUnverified(envelope));
  }

  private static TrustedKeys trusted() {
    try {
      return TrustedKeys.ofRaw(Map.of("ops-1", Ed25519Keys.raw(KEY.getPublic())));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}

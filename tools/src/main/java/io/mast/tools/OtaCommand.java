package io.mast.tools;

import io.mast.protocol.FrameFormatException;
import io.mast.protocol.OtaManifestMessage;
import io.mast.protocol.SignedControl;
import java.io.IOException;

/**
 * {@code mast ota ...}: the platform's side of signed updates of Mast itself. Each subcommand is a
 * class of its own ({@link OtaPack}, {@link OtaPublish}, {@link OtaStatus}, {@link OtaTrust},
 * {@link OtaKeygen}); what they share is here.
 */
final class OtaCommand {
  private OtaCommand() {}

  /** A manifest read from a bundle without its signature checked: for tools on the platform's side only. */
  static OtaManifestMessage unverifiedManifest(byte[] envelope) throws IOException {
    try {
      return OtaManifestMessage.parse(SignedControl.payloadUnverified(envelope));
    } catch (FrameFormatException e) {
      throw new IOException(e.getMessage(), e);
    }
  }
}

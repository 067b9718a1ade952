package io.mast.runtime.ota;

import io.mast.protocol.OtaMessages;
import io.mast.protocol.Topics;
import io.mast.runtime.health.ControlGate;
import io.mast.runtime.uplink.Link;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import org.tinylog.Logger;

/**
 * The agent's reports on {@code os} (retained): the latest one kept for the console, a refusal
 * said once per offer. A refusal of an offer that did not verify is counted by the pole's gate and
 * reported only while the gate's answer budget lasts: forged offers cannot make the pole publish a
 * report each.
 */
final class OtaReports {
  private final Link link;
  private final ControlGate gate;
  private volatile OtaMessages.Status last;
  private byte[] lastRefused;
  private byte[] lastWantsFull;

  OtaReports(Link link, ControlGate gate) {
    this.link = link;
    this.gate = gate;
  }

  /** The latest status sent, or null. */
  OtaMessages.Status last() {
    return last;
  }

  /** Publishes {@code s}; the future completes on the broker's PUBACK. */
  CompletableFuture<Void> send(OtaMessages.Status s) {
    last = s;
    return link.publish(Topics.Kind.OTA_STATUS, s.toBytes(), true);
  }

  /**
   * Says once per payload that a patch offer is for a base this pole does not run ({@code WANTS_FULL}
   * with {@code why}): the platform answers with the full manifest. Only verified offers get here.
   */
  void wantsFullOnce(byte[] payload, String version, String why) {
    if (Arrays.equals(payload, lastWantsFull)) {
      return;
    }
    lastWantsFull = payload;
    Logger.info("ota: a patch to {} offered; this pole is not on its base ({}): asking for the full manifest", version, why);
    send(new OtaMessages.Status(version, OtaMessages.State.WANTS_FULL, 0, 0, why));
  }

  /**
   * Reports an offer refused for {@code why}, unless this very payload was refused last; one
   * that did not verify ({@code verified} false) only while the gate's answer budget lasts.
   */
  void refuseOnce(byte[] payload, String version, String why, boolean verified) {
    String line = "ota: an offer" + (version.isEmpty() ? "" : " of " + version) + " refused: " + why;
    if (Arrays.equals(payload, lastRefused)) {
      gate.refused(ControlGate.Topic.OTA_OFFER, why, line, true); // counted; answered already
      return;
    }
    lastRefused = payload;
    if (gate.refused(ControlGate.Topic.OTA_OFFER, why, line, verified)) {
      send(new OtaMessages.Status(version, OtaMessages.State.REFUSED, 0, 0, why));
    }
  }
}

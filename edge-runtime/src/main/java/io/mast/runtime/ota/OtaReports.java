package io.mast.runtime.ota;

import io.mast.protocol.OtaMessages;
import io.mast.protocol.Topics;
import io.mast.runtime.uplink.Link;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import org.tinylog.Logger;

/** The agent's reports on {@code os} (retained): the latest one kept for the console, a refusal said once per offer. */
final class OtaReports {
  private final Link link;
  private volatile OtaMessages.Status last;
  private byte[] lastRefused;

  OtaReports(Link link) {
    this.link = link;
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

  /** Reports an offer refused for {@code why}, unless this very payload was refused last. */
  void refuseOnce(byte[] payload, String version, String why) {
    if (Arrays.equals(payload, lastRefused)) {
      return;
    }
    lastRefused = payload;
    Logger.warn("ota: an offer{} refused: {}", version.isEmpty() ? "" : " of " + version, why);
    send(new OtaMessages.Status(version, OtaMessages.State.REFUSED, 0, 0, why));
  }
}

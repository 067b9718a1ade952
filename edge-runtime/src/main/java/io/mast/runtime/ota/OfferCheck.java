package io.mast.runtime.ota;

import io.mast.config.model.DeviceConfig;
import io.mast.ota.Patches;
import io.mast.protocol.ControlRefusedException;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.OtaManifestMessage;
import io.mast.protocol.OtaPatchMessage;
import io.mast.protocol.SignedControl;
import io.mast.protocol.TrustUpdateMessage;
import io.mast.runtime.agent.ConfigAgent;
import io.mast.runtime.agent.ControlTrust;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.tinylog.Logger;

/**
 * The offer phase: an offer on {@code o}, in this order. The envelope is verified before anything
 * in it is parsed (at most {@link OtaManifestMessage#MAX_ENVELOPE_BYTES}, a trusted key, the
 * signature, type {@code OTA_MANIFEST} or {@code TRUST_UPDATE}, target, validity by the config
 * agent's clock rule); then the manifest's structure (a patch, format 2, is expanded from the
 * running slot first, or answered {@code WANTS_FULL} when the pole is not on its base); then
 * every refusal at once, each reported on {@code os} as {@code REFUSED} with the reason: another
 * board's bundle, a Java too old for it, a security counter below the floor (a downgrade), an
 * offer issued no later than the last one taken (a replay), a bundle rolled back before, not
 * enough disk for the download and the staging.
 */
final class OfferCheck {
  private final OtaPlace place;
  private final ConfigAgent configAgent;
  /** The bundle this start reported ROLLED_BACK for: its retained offer, seen again now, needs no REFUSED as well. */
  private byte[] reportedRollback;

  OfferCheck(OtaPlace place, ConfigAgent configAgent) {
    this.place = place;
    this.configAgent = configAgent;
  }

  void reportedRollback(byte[] bundle) {
    reportedRollback = bundle.clone();
  }

  /**
   * The manifest to download, or null: the offer was refused (and reported), was a trust update
   * (handed to the config agent), or is the one being downloaded or installed already.
   *
   * @param downloading the bundle being downloaded, or null
   */
  OtaManifestMessage check(byte[] payload, byte[] downloading) {
    if (payload.length == 0) {
      return null;
    }
    DeviceConfig c = place.pole().config();
    OtaFloor floor = place.floor();
    SignedControl.Verified v;
    OtaManifestMessage m;
    try {
      v = SignedControl.verify(payload, OtaManifestMessage.MAX_ENVELOPE_BYTES, ControlTrust.keys(c),
          EnumSet.of(SignedControl.Type.OTA_MANIFEST, SignedControl.Type.TRUST_UPDATE),
          new SignedControl.Audience(place.pole().deviceId(), Set.copyOf(c.getIdentity().getGroupsList())), configAgent.now(),
          configAgent.clockTrusted());
      configAgent.sawIssued(v.issuedAt());
      if (v.type() == SignedControl.Type.TRUST_UPDATE) {
        trustUpdate(payload, v);
        return null;
      }
      if (OtaPatchMessage.isPatch(v.payload())) {
        OtaPatchMessage patch = OtaPatchMessage.parse(v.payload());
        if (Arrays.equals(downloading, patch.bundleSha256())
            || Arrays.equals(floor.installedBundle, patch.bundleSha256()) && !floor.rolledBack(patch.bundleSha256())) {
          return null; // seen again at a connect: no need to read the running slot to know it
        }
        m = expand(payload, patch);
        if (m == null) {
          return null;
        }
      } else {
        m = OtaManifestMessage.parse(v.payload());
      }
    } catch (ControlRefusedException e) {
      place.reports().refuseOnce(payload, "", String.join("; ", e.reasons()), e.signedBy() != null);
      return null;
    } catch (FrameFormatException e) {
      place.reports().refuseOnce(payload, "", e.getMessage(), true); // the signed payload does not parse: a trusted signer's
      return null;
    }
    if (Arrays.equals(downloading, m.bundleSha256())
        || Arrays.equals(floor.installedBundle, m.bundleSha256()) && !floor.rolledBack(m.bundleSha256())) {
      return null; // the retained offer seen again at a connect: the download goes on, or it is installed already
    }
    if (Arrays.equals(reportedRollback, m.bundleSha256()) && v.issuedAt() == floor.lastIssued) {
      return null; // the very offer taken, still retained: ROLLED_BACK said it all (a new offer of it is refused below)
    }
    List<String> reasons = refusals(c, m, v.issuedAt());
    if (!reasons.isEmpty()) {
      place.reports().refuseOnce(payload, m.version(), String.join("; ", reasons), true);
      return null;
    }
    floor.lastIssued = v.issuedAt();
    System.arraycopy(m.bundleSha256(), 0, floor.offeredBundle, 0, 32);
    floor.save();
    return m;
  }

  /**
   * The full manifest a verified patch stands for on this pole, worked out from the running slot;
   * null when the pole is not on the patch's base, which it says once ({@code WANTS_FULL}) for the
   * platform to offer the full manifest instead.
   */
  private OtaManifestMessage expand(byte[] payload, OtaPatchMessage patch) throws FrameFormatException {
    Path running = place.slotRoot() == null ? null : place.slotRoot().resolve("slots").resolve(place.running());
    try {
      if (running == null) {
        throw new Patches.NotOnBaseException("this pole runs outside A/B slots");
      }
      OtaManifestMessage m = Patches.expand(patch, running);
      Logger.info("ota: the patch to {} expands on this pole's slot {}: {} of {} chunks new", patch.version(), place.running(),
          patch.newChunks().size(), m.chunks().size());
      return m;
    } catch (Patches.NotOnBaseException e) {
      place.reports().wantsFullOnce(payload, patch.version(), e.getMessage());
      return null;
    }
  }

  /** Every reason to refuse a verified, well-formed manifest; empty when it is taken. */
  private List<String> refusals(DeviceConfig c, OtaManifestMessage m, long issuedAt) {
    OtaFloor floor = place.floor();
    List<String> reasons = new ArrayList<>();
    if (!m.target().equals(c.getBoard())) {
      reasons.add("target '" + m.target() + "' is not this pole's board '" + c.getBoard() + "'");
    }
    if (m.minJava() > Runtime.version().feature()) {
      reasons.add("it needs Java " + m.minJava() + "; this pole runs Java " + Runtime.version().feature());
    }
    if (Long.compareUnsigned(m.securityCounter(), floor.counterFloor) < 0) {
      reasons.add("downgrade: security counter " + Long.toUnsignedString(m.securityCounter()) + " is below this pole's floor "
          + Long.toUnsignedString(floor.counterFloor));
    }
    if (issuedAt < floor.lastIssued || issuedAt == floor.lastIssued && !Arrays.equals(floor.offeredBundle, m.bundleSha256())) {
      reasons.add("an old offer replayed: issued at " + issuedAt + ", not after the last one taken (" + floor.lastIssued + ")");
    }
    if (floor.rolledBack(m.bundleSha256())) {
      reasons.add("this bundle was rolled back on this pole before; offer a new one");
    }
    if (reasons.isEmpty()) {
      try {
        long free = place.files().usableSpace(place.dir()); // statvfs: a chroot has no mount table entry for FileStore
        long need = 2 * m.totalSize(); // the download and the staged slot
        if (free < need) {
          reasons.add("not enough disk: " + need + " bytes needed (download and staging), " + free + " free under " + place.dir());
        }
      } catch (IOException e) {
        reasons.add("cannot tell the free disk space under " + place.dir() + ": " + e.getMessage());
      }
    }
    return reasons;
  }

  /**
   * A verified trust update (key rotation): parsed, refused on {@code os} when it is malformed or
   * not issued after the last one taken (a replay), else handed to the config agent, which applies
   * the new key set as a config edit, guarded and acknowledged on {@code ca}.
   */
  private void trustUpdate(byte[] payload, SignedControl.Verified v) {
    OtaFloor floor = place.floor();
    TrustUpdateMessage t;
    try {
      t = TrustUpdateMessage.parse(v.payload());
    } catch (FrameFormatException e) {
      place.reports().refuseOnce(payload, "", e.getMessage(), true);
      return;
    }
    if (v.issuedAt() == floor.lastTrustIssued) {
      return; // the retained one taken last, seen again at a connect: nothing to do
    }
    if (v.issuedAt() < floor.lastTrustIssued) {
      place.reports().refuseOnce(payload, "", "a trust update replayed: issued at " + v.issuedAt() + ", before the last one taken ("
          + floor.lastTrustIssued + ")", true);
      return;
    }
    floor.lastTrustIssued = v.issuedAt();
    floor.save();
    configAgent.rotateTrust(t, v.keyId()).whenComplete((ack, failure) -> {
      if (ack != null) {
        Logger.info("ota: the trust update signed by '{}': {}", v.keyId(), ack);
      }
    });
  }
}

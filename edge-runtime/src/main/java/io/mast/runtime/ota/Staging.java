package io.mast.runtime.ota;

import io.mast.ota.BootState;
import io.mast.ota.Download;
import io.mast.protocol.OtaManifestMessage;
import io.mast.protocol.OtaMessages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import org.tinylog.Logger;

/**
 * The stage phase, once every chunk is here: {@code VERIFIED}; with a slot layout (the launcher's
 * {@code MAST_ROOT}) the bundle is assembled into the inactive slot, the floor records it as
 * staged (before the switch: a power cut between the two is found at the next start), the boot
 * pointer gets it as the trial slot, {@code INSTALLED} goes out and the pole is asked to restart.
 * Without a slot layout it stays verified and says so.
 */
final class Staging implements BundleFetch.Complete {
  private final OtaPlace place;

  Staging(OtaPlace place) {
    this.place = place;
  }

  @Override
  public void downloaded(Download download) throws IOException {
    download.checkpoint();
    OtaManifestMessage m = download.manifest();
    Path root = place.slotRoot();
    if (root == null) {
      Logger.info("ota: {} downloaded and verified; not installed: Mast was not started by the launcher (no MAST_ROOT)", m.version());
      place.reports().send(BundleFetch.status(download, OtaMessages.State.VERIFIED, "not installed: this Mast was not started by the launcher (no slot layout)"));
      return;
    }
    place.reports().send(BundleFetch.status(download, OtaMessages.State.VERIFIED, ""));
    BootState boot = BootState.read(place.files(), root);
    String target = BootState.other(place.running());
    Path slot = root.resolve("slots").resolve(target);
    if (boot.trial().equals(target)) {
      // a release staged before and not yet tried: the boot pointer must not name the slot while it is rewritten, or a
      // power cut in between leaves it naming a slot that does not run (found by the power-cut loop)
      boot = new BootState(boot.active(), "", 0, boot.last());
      boot.write(place.files(), root);
    }
    deleteTree(slot);
    download.assemble(slot);
    OtaFloor floor = place.floor();
    floor.installedCounter = m.securityCounter();
    System.arraycopy(m.bundleSha256(), 0, floor.installedBundle, 0, 32);
    floor.installedVersion = m.version();
    floor.staged = true;
    floor.save(); // before the switch: a power cut between the two is found at the next start
    new BootState(boot.active(), target, 0, "installed:" + target + ":" + m.version()).write(place.files(), root);
    Logger.info("ota: {} staged in slot {} and set to be tried at the next start", m.version(), target);
    place.reports().send(BundleFetch.status(download, OtaMessages.State.INSTALLED, "slot " + target));
    place.pole().requestRestart("update " + m.version() + " installed in slot " + target);
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (var walk = Files.walk(p)) {
      for (Path x : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }
}

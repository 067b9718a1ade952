package io.mast.pole;

import com.google.protobuf.ByteString;
import io.mast.config.model.DeviceConfig;
import io.mast.config.model.Trust;
import io.mast.config.model.TrustedKey;
import io.mast.protocol.Ed25519Keys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;

/**
 * The platform key of a simulated pole: made once in its state directory ({@code keys/sim-platform.pem},
 * mode 0600, and the public half beside it) and trusted by the embedded example config, so that
 * {@code mast config push} can change a live {@code mast run --sim} on the developer's machine.
 * A pole's own config names the keys its platform signs with; this one is for the simulator only.
 */
final class SimPlatformKey {
  static final String KEY_ID = "sim-platform";

  private SimPlatformKey() {}

  /** The private key file, made now if missing. */
  static Path ensure(Path stateRoot) throws IOException {
    Path dir = stateRoot.resolve("keys");
    Path file = dir.resolve(KEY_ID + ".pem");
    Path pub = dir.resolve(KEY_ID + ".pub.pem");
    if (Files.exists(file) && Files.exists(pub)) {
      return file;
    }
    Files.createDirectories(dir);
    Files.deleteIfExists(file); // half a pair: start again
    Ed25519Keys.writeNew(file, pub);
    return file;
  }

  /** {@code config} trusting the simulator's platform key (and no other). */
  static DeviceConfig trusted(DeviceConfig config, Path keyFile) throws IOException {
    Path pub = keyFile.resolveSibling(KEY_ID + ".pub.pem");
    PublicKey key;
    try {
      key = Ed25519Keys.readPublicPem(Files.readString(pub, StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new IOException(pub + ": " + e.getMessage() + " (delete " + keyFile.getParent() + " to make a new key)", e);
    }
    return config.toBuilder().setTrust(Trust.newBuilder().addKeys(TrustedKey.newBuilder().setKeyId(KEY_ID)
        .setEd25519Public(ByteString.copyFrom(Ed25519Keys.raw(key))).setConsoleChanges(true))).build();
  }

  /** The simulated pole's technician PIN: well known, because the simulated pole guards nothing. */
  static final String SIM_PIN = "0000";

  /**
   * {@code config} with the console PIN {@value #SIM_PIN}, its salted hash made once and kept in
   * {@code keys/sim-console.pin-hash} (so the config stays the same from run to run).
   */
  static DeviceConfig withPin(DeviceConfig config, Path stateRoot) throws IOException {
    Path file = stateRoot.resolve("keys").resolve("sim-console.pin-hash");
    String hash = Files.exists(file) ? Files.readString(file, StandardCharsets.US_ASCII).strip() : "";
    if (!io.mast.runtime.console.PinHash.wellFormed(hash)) {
      hash = io.mast.runtime.console.PinHash.hash(SIM_PIN.toCharArray());
      Files.createDirectories(file.getParent());
      io.mast.seams.AtomicFiles.replace(io.mast.seams.DurableFiles.real(), file, (hash + "\n").getBytes(StandardCharsets.US_ASCII));
    }
    return config.toBuilder().setConsole(config.getConsole().toBuilder().setPinHash(hash)).build();
  }
}

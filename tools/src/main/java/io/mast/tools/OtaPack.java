package io.mast.tools;

import io.mast.ota.BundleFile;
import io.mast.ota.Packer;
import io.mast.ota.Patches;
import io.mast.protocol.OtaManifestMessage;
import io.mast.protocol.OtaPatchMessage;
import io.mast.protocol.SignedControl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mast ota pack}, a subcommand of {@link OtaCommand}. */
@Command(name = "pack", mixinStandardHelpOptions = true,
    description = {"Pack a directory (the pole's distribution) into a signed OTA bundle: each file cut into content-defined",
        "chunks, each distinct chunk stored once, the manifest signed (SignedEnvelope of OTA_MANIFEST).",
        "Prints the full size and, with --base, the bytes a pole on that release fetches.",
        "Example: mast ota pack --version 1.4.2 --counter 7 --target pi --key keys/ops.pem --key-id ops-2027 \\",
        "           --base mast-1.4.1.bundle --out mast-1.4.2.bundle dist/"})
final class OtaPack implements Callable<Integer> {
  @Option(names = "--version", required = true, paramLabel = "V", description = "The release's version, e.g. 1.4.2.")
  String version;

  @Option(names = "--counter", required = true, paramLabel = "N",
      description = "The security counter: a pole refuses a bundle whose counter is below the highest it committed.")
  long counter;

  @Option(names = "--target", required = true, paramLabel = "BOARD", description = "The board the bundle is for (the config's board: pi, sim).")
  String target;

  @Option(names = "--min-java", defaultValue = "17", paramLabel = "N", description = "The lowest Java feature version it runs on (default ${DEFAULT-VALUE}).")
  int minJava;

  @Option(names = "--expires", defaultValue = "30d", paramLabel = "DURATION", description = "How long poles may take it, e.g. 30d (default ${DEFAULT-VALUE}).")
  String expires;

  @Option(names = "--key", required = true, paramLabel = "KEY.pem", description = "The Ed25519 private key (PEM) to sign with.")
  Path key;

  @Option(names = "--key-id", required = true, paramLabel = "ID", description = "The id the poles trust that key under (trust.keys).")
  String keyId;

  @Option(names = "--base", paramLabel = "BUNDLE", description = {"The previous release's bundle: also write the patch against it",
      "(OUT.patch: a signed manifest naming only what a pole on that release lacks; mast ota publish --patch offers it)",
      "and print what a pole on it fetches."})
  Path base;

  @Option(names = "--url", paramLabel = "URL", description = "Where poles may also fetch the bundle file with HTTP ranges.")
  String url;

  @Option(names = "--out", required = true, paramLabel = "FILE", description = "The bundle file to write.")
  Path out;

  @Parameters(paramLabel = "DIR", description = "The directory to pack: every regular file below it, by relative path.")
  Path dir;

  @Override
  public Integer call() throws IOException {
    List<String> problems = new ArrayList<>();
    Duration life = SignOptions.duration(expires, problems);
    if (counter < 0) {
      problems.add("--counter " + counter + " is negative");
    }
    if (!Files.isDirectory(dir)) {
      problems.add(dir + " is not a directory");
    }
    PrivateKey privateKey = SignOptions.privateKey(key, problems);
    if (!problems.isEmpty()) {
      problems.forEach(p -> System.err.println("mast ota pack: " + p));
      return 2;
    }
    long now = Instant.now().getEpochSecond();
    Packer.Packed packed = Packer.pack(dir, new Packer.Release(version, counter, target, minJava, now + life.toSeconds(), url));
    byte[] envelope;
    try {
      envelope = SignedControl.sign(SignedControl.Type.OTA_MANIFEST, SignedControl.FLEET, now, now + life.toSeconds(),
          packed.manifest().toBytes(), keyId, privateKey);
    } catch (GeneralSecurityException e) {
      System.err.println("mast ota pack: signing failed: " + e.getMessage());
      return 1;
    }
    BundleFile.write(out, envelope, packed.chunks());
    OtaManifestMessage m = packed.manifest();
    long full = m.totalSize() + envelope.length;
    System.out.println("bundle " + out + ": version " + version + ", counter " + counter + ", target " + target + ", "
        + m.files().size() + " files, " + m.chunks().size() + " chunks");
    System.out.println("full: " + full + " bytes (" + m.totalSize() + " of chunks, a " + envelope.length + "-byte signed manifest)");
    if (base != null) {
      try (BundleFile previous = BundleFile.open(base, OtaCommand::unverifiedManifest)) {
        OtaPatchMessage patch = Patches.make(previous.manifest(), m);
        byte[] signedPatch;
        try {
          signedPatch = SignedControl.sign(SignedControl.Type.OTA_MANIFEST, SignedControl.FLEET, now, now + life.toSeconds(), patch.toBytes(),
              keyId, privateKey);
        } catch (GeneralSecurityException e) {
          System.err.println("mast ota pack: signing the patch failed: " + e.getMessage());
          return 1;
        }
        Path patchFile = out.resolveSibling(out.getFileName() + ".patch");
        Path aside = out.resolveSibling(out.getFileName() + ".patch.tmp");
        Files.write(aside, signedPatch);
        Files.move(aside, patchFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        long fetch = patch.newBytes() + signedPatch.length;
        System.out.println(String.format(Locale.ROOT, "patch %s: from %s, %d bytes to fetch (%.1f%% of the full bundle): %d of changed chunks"
            + " and a %d-byte signed patch manifest (the full manifest would add %d)", patchFile, previous.manifest().version(), fetch,
            100.0 * fetch / full, patch.newBytes(), signedPatch.length, envelope.length));
      }
    }
    return 0;
  }
}

package io.mast.tools;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mast ota keygen}, a subcommand of {@link OtaCommand}. */
@Command(name = "keygen", mixinStandardHelpOptions = true,
    description = {"Make the Ed25519 key pair that signs bundles and trust updates (as mast keys gen): DIR/ID.pem (0600)",
        "and DIR/ID.pub.pem, and print the trust entry for the poles' config. Existing files are never overwritten.",
        "Example: mast ota keygen --out keys --id ota-2027"})
final class OtaKeygen implements Callable<Integer> {
  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for the key files (created if missing).")
  Path out;

  @Option(names = "--id", required = true, paramLabel = "KEY_ID", description = "The key id the poles know the key by.")
  String id;

  @Override
  public Integer call() throws IOException {
    return KeysCommand.make("mast ota keygen", out, id);
  }
}

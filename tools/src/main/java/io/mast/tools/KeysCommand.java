package io.mast.tools;

import io.mast.protocol.Ed25519Keys;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Base64;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mast keys gen}: an Ed25519 key pair for signing what the platform sends to poles. */
final class KeysCommand {
  private KeysCommand() {}

  @Command(name = "gen", mixinStandardHelpOptions = true,
      description = {"Make an Ed25519 key pair as PEM files that openssl reads: DIR/ID.pem (private, mode 0600) and DIR/ID.pub.pem,",
          "and print the trust entry to put in the poles' config (trust.keys). Existing files are never overwritten.",
          "Example: mast keys gen --out keys --id platform-2027"})
  static final class Gen implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for the key files (created if missing).")
    Path out;

    @Option(names = "--id", required = true, paramLabel = "KEY_ID",
        description = "The key id the poles know the key by (letters, digits, . _ -; up to 64).")
    String id;

    @Override
    public Integer call() throws IOException {
      return make("mast keys gen", out, id);
    }
  }

  /** Makes the key pair {@code out/id.pem} and {@code out/id.pub.pem} and prints the trust entry; the exit status. */
  static int make(String command, Path out, String id) throws IOException {
    if (!id.matches("[A-Za-z0-9._-]{1,64}")) {
      System.err.println(command + ": --id '" + id + "' is not a key id: use 1 to 64 letters, digits, '.', '_' or '-'");
      return 2;
    }
    Files.createDirectories(out);
    Path privateFile = out.resolve(id + ".pem");
    Path publicFile = out.resolve(id + ".pub.pem");
    for (Path p : new Path[] {privateFile, publicFile}) {
      if (Files.exists(p)) {
        System.err.println(command + ": " + p + " exists; a key is never overwritten (choose another --id or --out)");
        return 1;
      }
    }
    KeyPair pair;
    try {
      pair = Ed25519Keys.writeNew(privateFile, publicFile);
    } catch (FileAlreadyExistsException e) {
      System.err.println(command + ": " + privateFile + " appeared meanwhile; nothing written");
      return 1;
    }
    String raw = Base64.getEncoder().encodeToString(Ed25519Keys.raw(pair.getPublic()));
    System.out.println("private key: " + privateFile + " (0600; keep it off the poles)");
    System.out.println("public key:  " + publicFile);
    System.out.println("trust entry for the poles' config (trust.keys):");
    System.out.println("  {\"key_id\": \"" + id + "\", \"ed25519_public\": \"" + raw + "\"}");
    return 0;
  }
}

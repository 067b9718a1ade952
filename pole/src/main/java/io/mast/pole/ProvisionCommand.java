package io.mast.pole;

import io.mast.cli.Defaults;
import io.mast.config.BrokerUri;
import io.mast.config.ConfigException;
import io.mast.config.DeviceConfigs;
import io.mast.config.Problem;
import io.mast.config.Validation;
import io.mast.config.model.DeviceConfig;
import io.mast.config.model.Identity;
import io.mast.config.model.TrustedKey;
import io.mast.protocol.Ed25519Keys;
import io.mast.protocol.Topics;
import io.mast.runtime.console.PinHash;
import io.mast.seams.AtomicFiles;
import io.mast.seams.DurableFiles;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mast provision}: a new board's identity in one command. Writes the device config
 * (identity, broker, TLS files, trusted keys, console PIN) over the package's example, copies or
 * makes the TLS key (0600, owned by the {@code mast} user when there is one), validates the
 * result as {@code mast run} will, refuses to replace a provisioned pole without {@code --force},
 * and prints what the platform needs: the device id, its topics, and the public key to certify.
 */
@Command(name = "provision", mixinStandardHelpOptions = true,
    description = {"Give a new board its identity: the device config (" + Defaults.CONFIG_FILE + "), its TLS files and keys,",
        "the keys it trusts and the console PIN, validated; prints what the platform needs (device id, topics, public key).",
        "Refuses to replace a provisioned pole without --force.",
        "Example: mast provision --device-id pole-0412 --broker ssl://mqtt.city.example:8883 --ca ca.pem --generate-key \\",
        "           --trust ops-2027.pub.pem --site 'Harbour St 12' --console-pin"})
final class ProvisionCommand implements Callable<Integer> {
  @Option(names = "--device-id", required = true, paramLabel = "ID", description = "The pole's id: letters, digits, . _ -, up to 64.")
  String deviceId;

  @Option(names = "--broker", required = true, paramLabel = "URI", description = "The platform's broker: ssl://host:8883 (or tcp:// on a private network).")
  String broker;

  @Option(names = "--ca", paramLabel = "FILE", description = "The CA certificate (PEM) the broker's certificate chains to.")
  Path ca;

  @Option(names = "--cert", paramLabel = "FILE", description = "The pole's certificate (PEM) for mutual TLS, with --key.")
  Path cert;

  @Option(names = "--key", paramLabel = "FILE", description = "The pole's private key (PEM, PKCS#8) for mutual TLS, with --cert.")
  Path key;

  @Option(names = "--generate-key", description = "Make the pole's TLS key here (EC P-256) and print its public key for the platform to certify.")
  boolean generateKey;

  @Option(names = "--trust", paramLabel = "ID.pub.pem", description = "A platform public key the pole trusts (mast ota keygen, mast keys gen); repeatable.")
  List<Path> trust = new ArrayList<>();

  @Option(names = "--site", paramLabel = "TEXT", description = "Where the pole stands, free text.")
  String site;

  @Option(names = "--group", paramLabel = "GROUP", description = "A group the pole takes group pushes and updates for; repeatable.")
  List<String> groups = new ArrayList<>();

  @Option(names = "--console-pin", description = "Ask for the technician's console PIN (twice; from standard input when it is not a terminal).")
  boolean consolePin;

  @Option(names = "--board", defaultValue = "pi", paramLabel = "BOARD", description = "The hardware: pi (default) or sim.")
  String board;

  @Option(names = "--etc", defaultValue = "/etc/mast", paramLabel = "DIR", description = "Where the config and its TLS files go (default ${DEFAULT-VALUE}).")
  Path etc;

  @Option(names = "--force", description = "Replace a pole's existing identity and keys.")
  boolean force;

  @Override
  public Integer call() throws IOException {
    List<String> problems = new ArrayList<>();
    if (!deviceId.matches("[A-Za-z0-9._-]{1,64}")) {
      problems.add("--device-id '" + deviceId + "' is not a device id: 1 to 64 letters, digits, '.', '_' or '-'");
    }
    BrokerUri.refusal(broker).ifPresent(r -> problems.add("--broker " + r));
    if (broker.startsWith("ssl://") && ca == null) {
      problems.add("--broker " + broker + " is TLS: give --ca FILE, the CA certificate its certificate chains to");
    }
    if ((cert == null) != (key == null)) {
      problems.add("--cert and --key go together (the pole's certificate and its private key)");
    }
    if (generateKey && (cert != null || key != null)) {
      problems.add("--generate-key makes the key here: leave out --cert and --key");
    }
    for (Path p : new Path[] {ca, cert, key}) {
      if (p != null && !Files.isRegularFile(p)) {
        problems.add(p + ": no such file");
      }
    }
    List<TrustedKey> keys = new ArrayList<>();
    for (Path t : trust) {
      if (!t.getFileName().toString().endsWith(Ed25519Keys.PUBLIC_SUFFIX)) {
        problems.add("--trust " + t + ": a public key file is named ID.pub.pem");
        continue;
      }
      try {
        Ed25519Keys.NamedPublicKey k = Ed25519Keys.readNamedPublic(t);
        keys.add(TrustedKey.newBuilder().setKeyId(k.keyId()).setEd25519Public(com.google.protobuf.ByteString.copyFrom(k.raw())).build());
      } catch (java.nio.file.NoSuchFileException e) {
        problems.add("--trust " + t + ": no such file");
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        problems.add("--trust " + t + ": not an Ed25519 public key in PEM");
      }
    }
    if (!problems.isEmpty()) {
      problems.forEach(p -> System.err.println("mast provision: " + p));
      return 2;
    }

    Path config = etc.resolve("device.json");
    DeviceConfig base = DeviceConfig.getDefaultInstance();
    if (Files.exists(config)) {
      try {
        base = DeviceConfigs.readFile(config);
      } catch (ConfigException e) {
        if (!force) {
          System.err.println("mast provision: " + config + " does not read (" + e.getMessage() + "); give --force to replace it");
          return 1;
        }
      }
      if (!base.getIdentity().getDeviceId().isEmpty() && !force) {
        System.err.println("mast provision: " + config + " already makes this pole '" + base.getIdentity().getDeviceId()
            + "'; give --force to replace its identity and keys");
        return 1;
      }
    }
    Path tls = etc.resolve("tls");
    char[] pin = null;
    if (consolePin) {
      pin = readPin();
      if (pin == null) {
        return 1;
      }
    }
    String publicKeyPem = null;
    Files.createDirectories(tls);
    DeviceConfig.Builder next = base.toBuilder().setVersion(Math.max(1, base.getVersion() + 1)).setBoard(board);
    Identity.Builder id = base.getIdentity().toBuilder().setDeviceId(deviceId);
    if (site != null) {
      id.setSite(site);
    }
    if (!groups.isEmpty()) {
      id.clearGroups().addAllGroups(groups);
    }
    next.setIdentity(id);
    var uplink = base.getUplink().toBuilder().clearBrokerUris().addBrokerUris(broker).clearTlsCaFile().clearTlsCertFile().clearTlsKeyFile();
    if (ca != null) {
      Path to = tls.resolve("ca.pem");
      copy(ca, to, "rw-r--r--");
      uplink.setTlsCaFile(to.toString());
    }
    if (cert != null) {
      Path certTo = tls.resolve("device.pem");
      Path keyTo = tls.resolve("device.key");
      copy(cert, certTo, "rw-r--r--");
      copy(key, keyTo, "rw-------");
      uplink.setTlsCertFile(certTo.toString()).setTlsKeyFile(keyTo.toString());
    }
    if (generateKey) {
      KeyPair pair;
      try {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        pair = g.generateKeyPair();
      } catch (GeneralSecurityException e) {
        System.err.println("mast provision: this Java cannot make an EC P-256 key: " + e.getMessage());
        return 1;
      }
      Path keyTo = tls.resolve("device.key");
      write(keyTo, pem("PRIVATE KEY", pair.getPrivate().getEncoded()), "rw-------");
      publicKeyPem = pem("PUBLIC KEY", pair.getPublic().getEncoded());
      write(tls.resolve("device.pub.pem"), publicKeyPem, "rw-r--r--");
      uplink.setTlsKeyFile(keyTo.toString()).setTlsCertFile(tls.resolve("device.pem").toString());
    }
    next.setUplink(uplink);
    if (!keys.isEmpty()) {
      next.setTrust(next.getTrust().toBuilder().clearKeys().addAllKeys(keys));
    }
    if (pin != null) {
      next.setConsole(next.getConsole().toBuilder().setPinHash(PinHash.hash(pin)));
      Arrays.fill(pin, '\0');
    }
    DeviceConfig made = next.build();
    // the certificate of a generated key comes later from the platform: everything else must hold now
    List<Problem> errors = DeviceConfigs.validate(made, Validation.Mode.DRY_RUN).stream().filter(Problem::isError).toList();
    if (!errors.isEmpty()) {
      System.err.println("mast provision: the config would not run; nothing written:");
      errors.forEach(p -> System.err.println("  " + p));
      return 1;
    }
    Topics topics = Topics.withPrefix(DeviceConfigs.effective(made).getUplink().getTopicPrefix());
    AtomicFiles.replace(DurableFiles.real(), config, DeviceConfigs.toJson(made).getBytes(StandardCharsets.UTF_8));
    Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r-----"));
    ownByMast(config, tls);

    System.out.println("provisioned " + deviceId + (site != null ? " (" + site + ")" : "") + " in " + config);
    System.out.println("broker:  " + broker);
    System.out.println("topics:  " + topics.topic(deviceId, Topics.Kind.TELEMETRY) + " (readings), "
        + topics.topic(deviceId, Topics.Kind.CONFIG_SET) + " (config), " + topics.topic(deviceId, Topics.Kind.OTA_OFFER) + " (updates)");
    System.out.println("trusts:  " + (made.getTrust().getKeysCount() == 0 ? "no key yet (give --trust ID.pub.pem): it takes no push or update"
        : String.join(", ", made.getTrust().getKeysList().stream().map(TrustedKey::getKeyId).toList())));
    System.out.println("console: " + (made.getConsole().getPinHash().isEmpty() ? "no PIN (give --console-pin): changes are refused" : "PIN set"));
    if (publicKeyPem != null) {
      System.out.println("the pole's TLS public key, for the platform's CA to certify as CN=" + deviceId + "; put the certificate in "
          + tls.resolve("device.pem") + ":");
      System.out.print(publicKeyPem);
    }
    return 0;
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der) + "\n-----END " + type
        + "-----\n";
  }

  private static void copy(Path from, Path to, String mode) throws IOException {
    write(to, Files.readString(from, StandardCharsets.UTF_8), mode);
  }

  /** Writes {@code to} with {@code mode} from the start (a key is never readable by others, even for a moment). */
  private static void write(Path to, String text, String mode) throws IOException {
    Path tmp = to.resolveSibling(to.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(tmp, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * When run as root and a {@code mast} user exists: the config, the TLS files and their directory
   * belong to it and its group (the package's {@code /etc/mast} is root's, in the group mast), and
   * the TLS directory is closed to others.
   */
  private static void ownByMast(Path config, Path tls) throws IOException {
    var lookup = config.getFileSystem().getUserPrincipalLookupService();
    java.nio.file.attribute.UserPrincipal mast;
    java.nio.file.attribute.GroupPrincipal group;
    try {
      mast = lookup.lookupPrincipalByName("mast");
      group = lookup.lookupPrincipalByGroupName("mast");
    } catch (UserPrincipalNotFoundException e) {
      return;
    }
    if (!"root".equals(System.getProperty("user.name"))) {
      return;
    }
    Files.setPosixFilePermissions(tls, PosixFilePermissions.fromString("rwxr-x---"));
    List<Path> owned = new ArrayList<>(List.of(config, tls));
    try (var files = Files.list(tls)) {
      owned.addAll(files.toList());
    }
    for (Path f : owned) {
      Files.setOwner(f, mast);
      Files.getFileAttributeView(f, java.nio.file.attribute.PosixFileAttributeView.class).setGroup(group);
    }
  }

  /** The PIN typed twice (no echo on a terminal), or null with the reason said. */
  private static char[] readPin() throws IOException {
    Console terminal = System.console();
    BufferedReader stdin = terminal != null ? null : new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    char[] first = terminal != null ? terminal.readPassword("console PIN: ") : line(stdin);
    char[] second = terminal != null ? terminal.readPassword("console PIN again: ") : line(stdin);
    if (first == null || second == null) {
      System.err.println("mast provision: no PIN given (type it twice)");
      return null;
    }
    if (!Arrays.equals(first, second)) {
      System.err.println("mast provision: the two PINs differ; nothing written");
      return null;
    }
    Arrays.fill(second, '\0');
    if (first.length < ConsoleCommand.MIN_PIN || first.length > ConsoleCommand.MAX_PIN) {
      System.err.println("mast provision: a PIN has " + ConsoleCommand.MIN_PIN + " to " + ConsoleCommand.MAX_PIN + " characters, not "
          + first.length);
      return null;
    }
    return first;
  }

  private static char[] line(BufferedReader in) throws IOException {
    String l = in.readLine();
    return l == null ? null : l.toCharArray();
  }
}

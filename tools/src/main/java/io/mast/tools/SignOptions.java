package io.mast.tools;

import io.mast.config.ConfigException;
import io.mast.config.DeviceConfigs;
import io.mast.config.Problem;
import io.mast.config.Validation;
import io.mast.config.model.DeviceConfig;
import io.mast.config.model.Identity;
import io.mast.protocol.ConfigSetMessage;
import io.mast.protocol.Ed25519Keys;
import io.mast.protocol.SignedControl;
import io.mast.protocol.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * What a signed config push is made of, shared by {@code config sign} and {@code config push}:
 * the config file, the signing key, who it is for, its grace period and lifetime.
 */
final class SignOptions {
  /** Who a push is for: exactly one. */
  static final class Target {
    @Option(names = "--device", paramLabel = "ID", description = "One pole, by device id (topic m/ID/c).")
    String device;

    @Option(names = "--group", paramLabel = "GROUP", description = "Every pole of a group (identity.groups; topic m/@GROUP/c).")
    String group;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Target target;

  @Option(names = "--key", required = true, paramLabel = "KEY.pem", description = "The Ed25519 private key (PEM) to sign with (mast keys gen).")
  Path key;

  @Option(names = "--key-id", required = true, paramLabel = "ID", description = "The id the poles trust that key under (trust.keys).")
  String keyId;

  @Option(names = "--grace", paramLabel = "S", defaultValue = "0",
      description = "Seconds a pole waits to reach the broker with the new config before it reverts; 0 = the pole's default (600).")
  int graceS;

  @Option(names = "--expires", paramLabel = "DURATION", defaultValue = "7d",
      description = "How long the push stays valid, e.g. 30m, 12h, 7d (default 7d): a pole offline longer never takes it.")
  String expires;

  @Option(names = "--topic-prefix", defaultValue = Topics.DEFAULT_PREFIX, paramLabel = "PREFIX",
      description = "The poles' topic prefix (uplink.topic_prefix), default ${DEFAULT-VALUE}.")
  String prefix;

  @Parameters(paramLabel = "FILE", description = "The device config (JSON); its version must be newer than the poles'.")
  Path file;

  /** A signed push, or the reasons it cannot be made (each a line for people). */
  record Signed(byte[] envelope, long version, String target, String topic) {}

  /** Thrown with every problem of the config or the options; nothing is signed. */
  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;
    final List<String> problems;

    Refused(List<String> problems) {
      super(String.join("; ", problems));
      this.problems = problems;
    }
  }

  boolean toGroup() {
    return target.group != null;
  }

  /** The config read, validated (every error), signed for its target. */
  Signed sign(Instant now) throws Refused, IOException {
    List<String> problems = new ArrayList<>();
    Topics topics;
    try {
      topics = Topics.withPrefix(prefix);
    } catch (IllegalArgumentException e) {
      throw new Refused(List.of("--topic-prefix: " + e.getMessage()));
    }
    Duration life = duration(expires, problems);
    if (graceS < 0 || graceS > 86_400) {
      problems.add("--grace " + graceS + " is outside 0..86400 s");
    }
    String targetName = toGroup() ? SignedControl.GROUP_MARK + target.group : target.device;
    String topic = null;
    try {
      topic = toGroup() ? topics.groupTopic(target.group, Topics.Kind.CONFIG_SET) : topics.topic(target.device, Topics.Kind.CONFIG_SET);
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
    }
    DeviceConfig config = null;
    try {
      config = DeviceConfigs.readFile(file);
    } catch (ConfigException e) {
      if (e.problems().isEmpty()) {
        problems.add(e.getMessage());
      } else {
        e.problems().forEach(p -> problems.add(file + ": " + p));
      }
    }
    PrivateKey privateKey = privateKey(key, problems);
    if (config != null) {
      problems.addAll(check(config));
    }
    if (!problems.isEmpty()) {
      throw new Refused(problems);
    }
    DeviceConfig pushed = toGroup() ? config.toBuilder().clearIdentity().build() : config;
    long issued = now.getEpochSecond() - 60; // a pole's clock a minute behind still takes it
    try {
      byte[] envelope = SignedControl.sign(SignedControl.Type.CONFIG_SET, targetName, issued, now.getEpochSecond() + life.toSeconds(),
          new ConfigSetMessage(config.getVersion(), pushed.toByteArray(), graceS).toBytes(), keyId, privateKey);
      if (envelope.length > ConfigSetMessage.MAX_ENVELOPE_BYTES) {
        throw new Refused(List.of(file + ": the signed push is " + envelope.length + " bytes; a pole takes at most "
            + ConfigSetMessage.MAX_ENVELOPE_BYTES));
      }
      return new Signed(envelope, config.getVersion(), targetName, topic);
    } catch (GeneralSecurityException e) {
      throw new Refused(List.of("signing failed: " + e.getMessage()));
    }
  }

  /** Every error of the config as the pole would see it; a group push must leave identity out. */
  private List<String> check(DeviceConfig config) {
    List<String> problems = new ArrayList<>();
    DeviceConfig checked = config;
    if (toGroup()) {
      if (config.hasIdentity() && !config.getIdentity().equals(Identity.getDefaultInstance())) {
        problems.add(file + ": identity: a push to a group leaves identity out; each pole keeps its own");
      }
      checked = config.toBuilder().setIdentity(Identity.newBuilder().setDeviceId("group-member")).build();
    } else if (!config.getIdentity().getDeviceId().equals(target.device)) {
      problems.add(file + ": identity.device_id: '" + config.getIdentity().getDeviceId() + "' is not --device " + target.device);
    }
    if (config.getTrust().getKeysCount() == 0) {
      problems.add(file + ": trust.keys: a pushed config keeps at least one trusted key, or the poles could never take another");
    }
    for (Problem p : DeviceConfigs.validate(checked, Validation.Mode.DRY_RUN)) {
      if (p.isError()) {
        problems.add(file + ": " + p);
      }
    }
    return problems;
  }

  /** The Ed25519 private key in PEM file {@code key}, or null with what is wrong added to {@code problems}. */
  static PrivateKey privateKey(Path key, List<String> problems) {
    try {
      return Ed25519Keys.readPrivatePem(Files.readString(key, StandardCharsets.US_ASCII));
    } catch (NoSuchFileException e) {
      problems.add("--key " + key + ": no such file");
    } catch (GeneralSecurityException | IOException e) {
      problems.add("--key " + key + ": " + e.getMessage());
    }
    return null;
  }

  static Duration duration(String text, List<String> problems) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("([1-9][0-9]{0,6})([smhd])").matcher(text);
    if (!m.matches()) {
      problems.add("--expires '" + text + "' is not a duration like 30m, 12h or 7d");
      return Duration.ZERO;
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }
}

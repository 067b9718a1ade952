package io.mast.tools;

import io.mast.protocol.FrameFormatException;
import io.mast.protocol.SignedControl;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mast ota trust}, a subcommand of {@link OtaCommand}. */
@Command(name = "trust", mixinStandardHelpOptions = true,
    description = {"Rotate the keys the poles trust: a TRUST_UPDATE (the whole new set) signed by a key they trust now,",
        "published retained on o (it replaces a retained offer there: publish that again after). Waits for each",
        "pole's config acknowledgement (ca). Exit 0 applied, 1 refused, 4 no answer in time.",
        "Example: mast ota trust --broker tcp://127.0.0.1:1883 --device pole-1 --key keys/ops-1.pem --key-id ops-1 \\",
        "           --trust keys/ops-2.pub.pem --trust keys/tech.pub.pem:console"})
final class OtaTrust implements Callable<Integer> {
  @picocli.CommandLine.Mixin
  BrokerOptions mqtt;

  @picocli.CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
  SignOptions.Target target;

  @Option(names = "--key", required = true, paramLabel = "KEY.pem", description = "The private key (PEM) the poles trust now, to sign with.")
  Path key;

  @Option(names = "--key-id", required = true, paramLabel = "ID", description = "Its key id on the poles.")
  String keyId;

  @Option(names = "--trust", required = true, paramLabel = "ID.pub.pem[:console]",
      description = "A public key of the new set (its id is the file name without .pub.pem); ':console' lets its remote console "
          + "commands change the pole. Repeat for each key.")
  List<String> trust;

  @Option(names = "--expires", defaultValue = "7d", paramLabel = "DURATION", description = "How long poles may take it (default ${DEFAULT-VALUE}).")
  String expires;

  @Option(names = "--timeout", defaultValue = "120", paramLabel = "S", description = "Seconds to wait for the poles' answers (default ${DEFAULT-VALUE}).")
  int timeoutS;

  @Override
  public Integer call() throws Exception {
    List<String> problems = new ArrayList<>();
    String refused = mqtt.refusal();
    if (refused != null) {
      problems.add(refused);
    }
    Duration life = SignOptions.duration(expires, problems);
    PrivateKey privateKey = SignOptions.privateKey(key, problems);
    List<io.mast.protocol.TrustUpdateMessage.Key> keys = new ArrayList<>();
    for (String t : trust) {
      boolean console = t.endsWith(":console");
      Path file = Path.of(console ? t.substring(0, t.length() - ":console".length()) : t);
      if (!file.getFileName().toString().endsWith(io.mast.protocol.Ed25519Keys.PUBLIC_SUFFIX)) {
        problems.add("--trust " + t + ": a public key file is named ID.pub.pem (mast ota keygen makes one)");
        continue;
      }
      try {
        io.mast.protocol.Ed25519Keys.NamedPublicKey k = io.mast.protocol.Ed25519Keys.readNamedPublic(file);
        keys.add(new io.mast.protocol.TrustUpdateMessage.Key(k.keyId(), k.raw(), console));
      } catch (java.nio.file.NoSuchFileException e) {
        problems.add("--trust " + t + ": no such file");
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        problems.add("--trust " + t + ": not an Ed25519 public key in PEM (" + e.getMessage() + ")");
      }
    }
    io.mast.protocol.TrustUpdateMessage update = new io.mast.protocol.TrustUpdateMessage(keys);
    if (problems.isEmpty()) {
      try {
        io.mast.protocol.TrustUpdateMessage.parse(update.toBytes()); // what a pole checks, checked here first
      } catch (FrameFormatException e) {
        problems.add(e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      problems.forEach(p -> System.err.println("mast ota trust: " + p));
      return 2;
    }
    long now = Instant.now().getEpochSecond();
    String audience = target.group != null ? SignedControl.GROUP_MARK + target.group : target.device;
    byte[] envelope = SignedControl.sign(SignedControl.Type.TRUST_UPDATE, audience, now, now + life.toSeconds(), update.toBytes(), keyId,
        privateKey);
    io.mast.protocol.Topics topics = io.mast.protocol.Topics.standard();
    String offerTopic = target.group != null ? topics.groupTopic(target.group, io.mast.protocol.Topics.Kind.OTA_OFFER)
        : topics.topic(target.device, io.mast.protocol.Topics.Kind.OTA_OFFER);
    java.util.Map<String, String> answers = new java.util.concurrent.ConcurrentSkipListMap<>();
    java.util.concurrent.atomic.AtomicInteger worst = new java.util.concurrent.atomic.AtomicInteger();
    org.eclipse.paho.client.mqttv3.MqttClient client = mqtt.connect("mast-ota-trust-");
    try {
      client.subscribe(topics.filter(io.mast.protocol.Topics.Kind.CONFIG_ACK), 1, (t, msg) -> topics.parse(t).ifPresent(p -> {
        try {
          io.mast.protocol.ConfigAckMessage a = io.mast.protocol.ConfigAckMessage.parse(msg.getPayload());
          if (!msg.isRetained() && a.origin().equals("trust update")) {
            answers.put(p.device(), a.toString());
            worst.accumulateAndGet(a.result() == io.mast.protocol.ConfigAckMessage.Result.APPLIED ? 0 : 1, Math::max);
          }
        } catch (FrameFormatException e) {
          // not an acknowledgement: nothing to show
        }
      }));
      client.subscribe(topics.filter(io.mast.protocol.Topics.Kind.OTA_STATUS), 1, (t, msg) -> topics.parse(t).ifPresent(p -> {
        try {
          io.mast.protocol.OtaMessages.Status st = io.mast.protocol.OtaMessages.Status.parse(msg.getPayload());
          if (!msg.isRetained() && st.state() == io.mast.protocol.OtaMessages.State.REFUSED && st.version().isEmpty()) {
            answers.put(p.device(), "refused: " + st.detail());
            worst.set(1);
          }
        } catch (FrameFormatException e) {
          // not a status
        }
      }));
      client.publish(offerTopic, envelope, 1, true);
      System.out.println("trust update (" + String.join(", ", keys.stream().map(k -> k.keyId() + (k.consoleChanges() ? " (console changes)"
          : "")).toList()) + ") signed by " + keyId + " on " + offerTopic);
      long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(timeoutS);
      java.util.Set<String> shown = new java.util.HashSet<>();
      while (System.nanoTime() < end && (target.device == null || answers.isEmpty())) {
        answers.forEach((d, a) -> {
          if (shown.add(d)) {
            System.out.println(d + ": " + a);
          }
        });
        Thread.sleep(200); // a screen refresh, not a wait for an event
      }
      answers.forEach((d, a) -> {
        if (shown.add(d)) {
          System.out.println(d + ": " + a);
        }
      });
      if (answers.isEmpty()) {
        System.out.println("no pole answered in " + timeoutS + " s (the update stays retained for poles that come online)");
        return 4;
      }
      return worst.get();
    } finally {
      if (client.isConnected()) {
        client.disconnect();
      }
      client.close();
    }
  }
}

package io.mast.tools;

import io.mast.ota.BundleFile;
import io.mast.ota.Packer;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.OtaManifestMessage;
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

/** {@code mast ota ...}: the platform's side of signed updates of Mast itself. */
final class OtaCommand {
  private OtaCommand() {}

  @Command(name = "pack", mixinStandardHelpOptions = true,
      description = {"Pack a directory (the pole's distribution) into a signed OTA bundle: each file cut into content-defined",
          "chunks, each distinct chunk stored once, the manifest signed (SignedEnvelope of OTA_MANIFEST).",
          "Prints the full size and, with --base, the bytes a pole on that release fetches.",
          "Example: mast ota pack --version 1.4.2 --counter 7 --target pi --key keys/ops.pem --key-id ops-2027 \\",
          "           --base mast-1.4.1.bundle --out mast-1.4.2.bundle dist/"})
  static final class Pack implements Callable<Integer> {
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

    @Option(names = "--base", paramLabel = "BUNDLE", description = "The previous release's bundle: print what a pole on it fetches.")
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
          long fetch = Packer.bytesToFetch(m, previous.manifest()) + envelope.length;
          System.out.println(String.format(Locale.ROOT, "from %s: %d bytes to fetch (%.1f%% of the full bundle), the manifest included",
              previous.manifest().version(), fetch, 100.0 * fetch / full));
        }
      }
      return 0;
    }
  }

  /** A manifest read from a bundle without its signature checked: for tools on the platform's side only. */
  static OtaManifestMessage unverifiedManifest(byte[] envelope) throws IOException {
    try {
      return OtaManifestMessage.parse(SignedControl.payloadUnverified(envelope));
    } catch (FrameFormatException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  @Command(name = "publish", mixinStandardHelpOptions = true,
      description = {"Offer a bundle to a pole or a group (retained on o) and serve the chunks they ask for on oc,",
          "showing each pole's progress, until every pole that answered committed, refused or rolled back, or the timeout.",
          "Exit 0 committed, 1 refused, 3 rolled back, 4 no outcome in time.",
          "Example: mast ota publish --broker tcp://127.0.0.1:1883 --device sim-pole-1 mast-1.4.2.bundle"})
  static final class Publish implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    BrokerOptions mqtt;

    @picocli.CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    SignOptions.Target target;

    @Option(names = "--timeout", defaultValue = "3600", paramLabel = "S",
        description = "Seconds to serve and wait (default ${DEFAULT-VALUE}); over NB-IoT a full bundle takes hours.")
    int timeoutS;

    @Option(names = "--expect", paramLabel = "N", description = "For a group: stop once N poles reached an outcome.")
    Integer expect;

    @Parameters(paramLabel = "BUNDLE", description = "The bundle file (mast ota pack).")
    Path bundle;

    @Override
    public Integer call() throws Exception {
      String refused = mqtt.refusal();
      if (refused != null) {
        System.err.println("mast ota publish: " + refused);
        return 2;
      }
      try (BundleFile b = BundleFile.open(bundle, OtaCommand::unverifiedManifest)) {
        OtaManifestMessage m = b.manifest();
        io.mast.protocol.Topics topics = io.mast.protocol.Topics.standard();
        String offerTopic = target.group != null ? topics.groupTopic(target.group, io.mast.protocol.Topics.Kind.OTA_OFFER)
            : topics.topic(target.device, io.mast.protocol.Topics.Kind.OTA_OFFER);
        java.util.Map<String, io.mast.protocol.OtaMessages.Status> poles = new java.util.concurrent.ConcurrentSkipListMap<>();
        java.util.concurrent.atomic.AtomicLong served = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.ExecutorService sender = java.util.concurrent.Executors.newSingleThreadExecutor();
        org.eclipse.paho.client.mqttv3.MqttClient client = mqtt.connect("mast-ota-");
        try {
          client.subscribe(topics.filter(io.mast.protocol.Topics.Kind.OTA_STATUS), 1, (t, msg) -> topics.parse(t).ifPresent(p -> {
            if (msg.isRetained()) {
              return; // a pole's latest status from before this offer (mast ota status shows those)
            }
            try {
              io.mast.protocol.OtaMessages.Status st = io.mast.protocol.OtaMessages.Status.parse(msg.getPayload());
              if (st.version().equals(m.version()) || st.version().isEmpty()) {
                // a rollback stays the outcome: a refusal of the same offer seen again after it says nothing new
                poles.merge(p.device(), st, (was, now) -> was.state() == io.mast.protocol.OtaMessages.State.ROLLED_BACK ? was : now);
              }
            } catch (FrameFormatException e) {
              // not a status: nothing to show
            }
          }));
          client.subscribe(topics.filter(io.mast.protocol.Topics.Kind.OTA_CHUNK_REQUEST), 1, (t, msg) -> topics.parse(t).ifPresent(p -> {
            io.mast.protocol.OtaMessages.ChunkRequest r;
            try {
              r = io.mast.protocol.OtaMessages.ChunkRequest.parse(msg.getPayload());
            } catch (FrameFormatException e) {
              return;
            }
            if (!java.util.Arrays.equals(r.bundleSha256(), m.bundleSha256())) {
              return; // another bundle's request: another publisher's
            }
            String od = topics.topic(p.device(), io.mast.protocol.Topics.Kind.OTA_CHUNK_DATA);
            sender.execute(() -> {
              for (int i : r.chunks()) {
                if (i < 0 || i >= m.chunks().size()) {
                  continue;
                }
                try {
                  byte[] data = b.chunk(i);
                  client.publish(od, new io.mast.protocol.OtaMessages.ChunkData(m.bundleSha256(), i, data).toBytes(), 1, false);
                  served.addAndGet(data.length);
                } catch (Exception e) {
                  System.err.println("mast ota publish: serving chunk " + i + " to " + p.device() + " failed: " + e.getMessage());
                }
              }
            });
          }));
          client.publish(offerTopic, b.envelope(), 1, true);
          System.out.println("offered " + m.version() + " (" + m.chunks().size() + " chunks, " + m.totalSize() + " bytes) on " + offerTopic
              + "; serving chunks for up to " + timeoutS + " s");
          int status = watch(poles, served, m);
          if (status != 0 && target.device != null) {
            client.publish(offerTopic, new byte[0], 1, true);
            System.out.println("the retained offer was cleared, so the pole is not offered it again");
          } else if (status == 0) {
            client.publish(offerTopic, new byte[0], 1, true);
          }
          return status;
        } finally {
          sender.shutdown();
          sender.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
          if (client.isConnected()) {
            client.disconnect();
          }
          client.close();
        }
      }
    }

    /** Shows each pole's progress until every one reached an outcome (or --expect of them), or the timeout. */
    private int watch(java.util.Map<String, io.mast.protocol.OtaMessages.Status> poles, java.util.concurrent.atomic.AtomicLong served,
        OtaManifestMessage m) throws InterruptedException {
      boolean terminal = System.console() != null;
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(timeoutS);
      int shown = 0;
      String lastText = "";
      while (System.nanoTime() < deadline) {
        java.util.List<String> lines = new ArrayList<>();
        poles.forEach((device, st) -> lines.add(line(device, st)));
        lines.add("served " + served.get() + " bytes");
        String text = String.join("\n", lines);
        if (terminal) {
          StringBuilder b = new StringBuilder();
          for (int i = 0; i < shown; i++) {
            b.append("\033[1A\r\033[K");
          }
          System.out.print(b + text + "\n");
          shown = lines.size();
        } else if (!text.equals(lastText)) {
          System.out.println(text);
        }
        lastText = text;
        long outcomes = poles.values().stream().filter(Publish::finalState).count();
        if (!poles.isEmpty() && (expect != null ? outcomes >= expect : outcomes == poles.size() && target.device != null)) {
          break;
        }
        Thread.sleep(500); // a screen refresh, not a wait for an event
      }
      if (poles.isEmpty()) {
        System.out.println("no pole answered in " + timeoutS + " s");
        return 4;
      }
      if (poles.values().stream().anyMatch(s -> s.state() == io.mast.protocol.OtaMessages.State.ROLLED_BACK)) {
        return 3;
      }
      if (poles.values().stream().anyMatch(s -> s.state() == io.mast.protocol.OtaMessages.State.REFUSED)) {
        return 1;
      }
      return poles.values().stream().allMatch(s -> s.state() == io.mast.protocol.OtaMessages.State.COMMITTED) ? 0 : 4;
    }

    private static boolean finalState(io.mast.protocol.OtaMessages.Status s) {
      return s.state() == io.mast.protocol.OtaMessages.State.COMMITTED || s.state() == io.mast.protocol.OtaMessages.State.REFUSED
          || s.state() == io.mast.protocol.OtaMessages.State.ROLLED_BACK;
    }

    /** One pole's line: a bar of 30 while downloading, else its state and detail. */
    static String line(String device, io.mast.protocol.OtaMessages.Status st) {
      String bar = "";
      if (st.chunksTotal() > 0 && st.state() == io.mast.protocol.OtaMessages.State.DOWNLOADING) {
        int filled = (int) (30L * st.chunksDone() / st.chunksTotal());
        bar = " [" + "#".repeat(filled) + ".".repeat(30 - filled) + "] " + st.chunksDone() + "/" + st.chunksTotal();
      }
      return device + ": " + st.state() + bar + (st.detail().isEmpty() ? "" : " (" + st.detail() + ")");
    }
  }

  @Command(name = "keygen", mixinStandardHelpOptions = true,
      description = {"Make the Ed25519 key pair that signs bundles and trust updates (as mast keys gen): DIR/ID.pem (0600)",
          "and DIR/ID.pub.pem, and print the trust entry for the poles' config. Existing files are never overwritten.",
          "Example: mast ota keygen --out keys --id ota-2027"})
  static final class Keygen implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for the key files (created if missing).")
    Path out;

    @Option(names = "--id", required = true, paramLabel = "KEY_ID", description = "The key id the poles know the key by.")
    String id;

    @Override
    public Integer call() throws IOException {
      return KeysCommand.make("mast ota keygen", out, id);
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = {"Each pole's latest update status (os, retained by the broker): version, state, chunks, why.",
          "With --follow, then every status as it comes, until Ctrl-C or --timeout.",
          "Example: mast ota status --broker tcp://127.0.0.1:1883"})
  static final class Status implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    BrokerOptions mqtt;

    @Option(names = "--device", paramLabel = "ID", description = "Only this pole.")
    String device;

    @Option(names = "--wait", defaultValue = "2", paramLabel = "S",
        description = "Seconds to collect the retained statuses (default ${DEFAULT-VALUE}); a broker sends them at once.")
    int waitS;

    @Option(names = "--follow", description = "Keep printing statuses as poles send them.")
    boolean follow;

    @Option(names = "--timeout", defaultValue = "0", paramLabel = "S",
        description = "With --follow: stop after S seconds (default ${DEFAULT-VALUE}: never).")
    int timeoutS;

    @Override
    public Integer call() throws Exception {
      String refused = mqtt.refusal();
      if (refused != null) {
        System.err.println("mast ota status: " + refused);
        return 2;
      }
      io.mast.protocol.Topics topics = io.mast.protocol.Topics.standard();
      String filter = device != null ? topics.topic(device, io.mast.protocol.Topics.Kind.OTA_STATUS)
          : topics.filter(io.mast.protocol.Topics.Kind.OTA_STATUS);
      java.util.Map<String, io.mast.protocol.OtaMessages.Status> latest = new java.util.concurrent.ConcurrentSkipListMap<>();
      java.util.concurrent.BlockingQueue<String> live = new java.util.concurrent.LinkedBlockingQueue<>();
      java.util.concurrent.atomic.AtomicBoolean snapshotDone = new java.util.concurrent.atomic.AtomicBoolean();
      org.eclipse.paho.client.mqttv3.MqttClient client = mqtt.connect("mast-ota-status-");
      try {
        client.subscribe(filter, 1, (t, msg) -> topics.parse(t).ifPresent(p -> {
          try {
            io.mast.protocol.OtaMessages.Status st = io.mast.protocol.OtaMessages.Status.parse(msg.getPayload());
            latest.put(p.device(), st);
            if (snapshotDone.get()) {
              live.add(Instant.now().toString().substring(11, 19) + " " + statusLine(p.device(), st));
            }
          } catch (FrameFormatException e) {
            if (msg.getPayload().length > 0) {
              System.err.println("mast ota status: " + p.device() + " sent a status that does not parse: " + e.getMessage());
            }
          }
        }));
        // the retained statuses come right after the subscription; collect them for --wait, then show one line per pole
        Thread.sleep(java.util.concurrent.TimeUnit.SECONDS.toMillis(waitS)); // a collection window, not a wait for an event
        snapshotDone.set(true);
        if (latest.isEmpty()) {
          System.out.println("no update status" + (device != null ? " from " + device : "") + " on " + mqtt.broker);
        }
        latest.forEach((d, st) -> System.out.println(statusLine(d, st)));
        if (follow) {
          long end = timeoutS == 0 ? Long.MAX_VALUE : System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(timeoutS);
          while (System.nanoTime() < end) {
            String line = live.poll(Math.min(1000, Math.max(1, (end - System.nanoTime()) / 1_000_000)),
                java.util.concurrent.TimeUnit.MILLISECONDS);
            if (line != null) {
              System.out.println(line);
            }
          }
        }
        return latest.isEmpty() ? 4 : 0;
      } finally {
        if (client.isConnected()) {
          client.disconnect();
        }
        client.close();
      }
    }

    /** One pole's status line: its id, version, state, chunks and why. */
    static String statusLine(String device, io.mast.protocol.OtaMessages.Status st) {
      String chunks = st.chunksTotal() > 0 ? " " + st.chunksDone() + "/" + st.chunksTotal() + " chunks" : "";
      return device + "  " + (st.version().isEmpty() ? "-" : st.version()) + "  " + st.state() + chunks
          + (st.detail().isEmpty() ? "" : "  (" + st.detail() + ")");
    }
  }

  @Command(name = "trust", mixinStandardHelpOptions = true,
      description = {"Rotate the keys the poles trust: a TRUST_UPDATE (the whole new set) signed by a key they trust now,",
          "published retained on o (it replaces a retained offer there: publish that again after). Waits for each",
          "pole's config acknowledgement (ca). Exit 0 applied, 1 refused, 4 no answer in time.",
          "Example: mast ota trust --broker tcp://127.0.0.1:1883 --device pole-1 --key keys/ops-1.pem --key-id ops-1 \\",
          "           --trust keys/ops-2.pub.pem --trust keys/tech.pub.pem:console"})
  static final class Trust implements Callable<Integer> {
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
}

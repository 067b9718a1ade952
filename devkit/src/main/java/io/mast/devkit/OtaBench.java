package io.mast.devkit;

import io.mast.config.model.DeviceConfig;
import io.mast.ota.BootState;
import io.mast.ota.Packer;
import io.mast.ota.Patches;
import io.mast.protocol.Ed25519Keys;
import io.mast.protocol.OtaManifestMessage;
import io.mast.protocol.OtaMessages;
import io.mast.protocol.OtaPatchMessage;
import io.mast.protocol.SignedControl;
import io.mast.protocol.TrustedKeys;
import io.mast.runtime.EdgeRuntime;
import io.mast.runtime.uplink.Link;
import io.mast.seams.DurableFiles;
import io.mast.sim.EmbeddedBroker;
import io.mast.sim.LinkShaper;
import io.mast.sim.SimulatedBoard;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mast bench ota}: what an update of Mast costs. Two distributions (a release and the next)
 * are packed; the figures are the full bundle, the bytes a pole on the first fetches for the
 * second, the time a simulated pole behind the emulated link takes from the offer to the staged
 * trial slot (its slot a holding the first release, so only changed chunks travel), and the time
 * to verify a manifest and a whole bundle against {@code sha256sum} on the same files. With
 * {@code --full} also a pole with nothing to seed from (over NB-IoT, hours for a 8 MB bundle).
 */
@Command(name = "ota", mixinStandardHelpOptions = true,
    description = {"Measure an update: full bundle bytes, bytes on the air for a patch against its base, offer-to-installed time",
        "over the emulated link, manifest and bundle verification time against sha256sum.",
        "Make BASE and NEXT from two builds of the pole's distribution (pole/target: the jar, lib/, run.jvmopts).",
        "Example: mast bench ota --base dist-1.4.1 --next dist-1.4.2 --link nbiot"})
final class OtaBench implements Callable<Integer> {
  @Option(names = "--base", required = true, paramLabel = "DIR", description = "The release the pole runs.")
  Path base;

  @Option(names = "--next", required = true, paramLabel = "DIR", description = "The release offered.")
  Path next;

  @Option(names = "--link", defaultValue = "nbiot", paramLabel = "nbiot|direct",
      description = "The link between the pole and the broker (default: ${DEFAULT-VALUE}: 10 kbit/s, 2 s latency, 1 s jitter).")
  String link;

  @Option(names = "--full", description = "Also download the whole bundle to a pole with nothing to seed from.")
  boolean full;

  private final PrintStream out = System.out;

  @Override
  public Integer call() throws Exception {
    if (!link.equals("nbiot") && !link.equals("direct")) {
      System.err.println("mast bench ota: --link is nbiot or direct, not '" + link + "'");
      return 2;
    }
    KeyPair key = Ed25519Keys.generate();
    long now = Instant.now().getEpochSecond();
    Packer.Packed p1 = Packer.pack(base, new Packer.Release("base", 1, "sim", 17, now + 86_400, ""));
    Packer.Packed p2 = Packer.pack(next, new Packer.Release("next", 2, "sim", 17, now + 86_400, ""));
    byte[] envelope = SignedControl.sign(SignedControl.Type.OTA_MANIFEST, SignedControl.FLEET, now - 60, now + 86_400,
        p2.manifest().toBytes(), "bench", key.getPrivate());
    OtaPatchMessage patch = Patches.make(p1.manifest(), p2.manifest());
    byte[] patchEnvelope = SignedControl.sign(SignedControl.Type.OTA_MANIFEST, SignedControl.FLEET, now - 60, now + 86_400,
        patch.toBytes(), "bench", key.getPrivate());
    long fullBytes = p2.manifest().totalSize() + envelope.length;
    long changed = Packer.bytesToFetch(p2.manifest(), p1.manifest());
    long patchBytes = changed + patchEnvelope.length;
    out.println("files=" + p2.manifest().files().size() + " chunks=" + p2.manifest().chunks().size() + " manifest_bytes=" + envelope.length
        + " full_bundle_bytes=" + fullBytes);
    out.println("patch_manifest_bytes=" + patchEnvelope.length + " changed_chunks=" + patch.newChunks().size() + " changed_chunk_bytes=" + changed
        + " patch_fetch_bytes=" + patchBytes + " patch_fetch_with_full_manifest_bytes=" + (changed + envelope.length)
        + String.format(Locale.ROOT, " patch_over_changed=%.2f patch_share=%.2f%%", (double) patchBytes / Math.max(1, changed),
            100.0 * patchBytes / fullBytes));
    out.println("changed_bytes_by_file " + changedByFile(p1.manifest(), p2.manifest()));
    verification(envelope, p2, key);
    air("patch", p1, p2, patchEnvelope, key, true);
    if (full) {
      air("full", p1, p2, envelope, key, false);
    }
    return 0;
  }

  /** Each file of {@code next} with chunks {@code base} lacks: PATH=BYTES of those chunks, most first (a chunk twice, counted once). */
  static String changedByFile(OtaManifestMessage base, OtaManifestMessage next) {
    Set<String> have = new java.util.HashSet<>();
    base.chunks().forEach(c -> have.add(c.hex()));
    Map<String, Long> by = new java.util.HashMap<>();
    for (OtaManifestMessage.File f : next.files()) {
      long bytes = 0;
      for (int i : f.chunks()) {
        OtaManifestMessage.Chunk c = next.chunks().get(i);
        if (have.add(c.hex())) {
          bytes += c.size();
        }
      }
      if (bytes > 0) {
        by.put(f.path(), bytes);
      }
    }
    return String.join(" ", by.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .map(e -> e.getKey() + "=" + e.getValue()).toList());
  }

  /** Manifest verification (signature and structure) and whole-bundle verification, against sha256sum on the same files. */
  private void verification(byte[] envelope, Packer.Packed p, KeyPair key) throws Exception {
    TrustedKeys keys = TrustedKeys.ofRaw(Map.of("bench", Ed25519Keys.raw(key.getPublic())));
    SignedControl.Audience me = new SignedControl.Audience("bench-pole", Set.of());
    int rounds = 50;
    long start = System.nanoTime();
    for (int i = 0; i < rounds; i++) {
      OtaManifestMessage.parse(SignedControl.verify(envelope, OtaManifestMessage.MAX_ENVELOPE_BYTES, keys, SignedControl.Type.OTA_MANIFEST,
          me, Instant.now().getEpochSecond()).payload());
    }
    double manifestMs = (System.nanoTime() - start) / 1e6 / rounds;
    start = System.nanoTime();
    for (int i = 0; i < p.chunks().size(); i++) {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(p.chunks().get(i));
      if (!MessageDigest.isEqual(h, p.manifest().chunks().get(i).sha256())) {
        throw new IllegalStateException("chunk " + i + " does not verify");
      }
    }
    for (OtaManifestMessage.File f : p.manifest().files()) {
      MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(next.resolve(f.path())));
    }
    double bundleMs = (System.nanoTime() - start) / 1e6;
    List<String> cmd = new ArrayList<>(List.of("sha256sum"));
    p.manifest().files().forEach(f -> cmd.add(next.resolve(f.path()).toString()));
    start = System.nanoTime();
    Process sum = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    int rc = sum.waitFor();
    double sumMs = (System.nanoTime() - start) / 1e6;
    out.println(String.format(Locale.ROOT, "manifest_verify_ms=%.2f bundle_verify_ms=%.1f (every chunk and every file) sha256sum_ms=%.1f%s",
        manifestMs, bundleMs, sumMs, rc == 0 ? " (the files once, a process started)" : " (sha256sum failed: " + rc + ")"));
  }

  /** A pole behind the link, offered the next release, timed to INSTALLED; seeded from the base when {@code seeded}. */
  private void air(String kind, Packer.Packed p1, Packer.Packed p2, byte[] envelope, KeyPair key, boolean seeded) throws Exception {
    Path work = Files.createTempDirectory("mast-bench-ota-");
    List<AutoCloseable> open = new ArrayList<>();
    try {
      EmbeddedBroker broker = EmbeddedBroker.start(0);
      open.add(broker);
      String uri = broker.uri();
      LinkShaper shaper = null;
      if (link.equals("nbiot")) {
        shaper = LinkShaper.to("127.0.0.1", broker.port()).bitsPerSecond(10_000).latency(Duration.ofSeconds(2))
            .jitter(Duration.ofSeconds(1)).seed(7).start(0);
        open.add(0, shaper);
        uri = shaper.uri();
      }
      Path root = work.resolve("root");
      Files.createDirectories(root.resolve("slots/a"));
      if (seeded) {
        copy(base, root.resolve("slots/a"));
      }
      BootState.initial().write(DurableFiles.real(), root);
      DeviceConfig c = ConfigBench.config(uri, key);
      // the link's time is measured, not the budget's: a full bundle is days of the example's 1 MB a day
      c = c.toBuilder().setUplink(c.getUplink().toBuilder().setDailyByteBudget(0)).build();
      SimulatedBoard board = SimulatedBoard.start(c, SimulatedBoard.Transport.IN_PROCESS, null);
      open.add(0, board);
      EdgeRuntime pole = EdgeRuntime.start(new EdgeRuntime.Options(c, "bench-pole", List.of(), work.resolve("state"), board, null, null, 0, -1,
          "bench"));
      open.add(0, pole);
      ConfigBench.waitFor(() -> pole.link().state() == Link.State.CONNECTED, 120, "the pole to connect");
      pole.startOta(root, "a", Duration.ofHours(1));
      MqttClient platform = new MqttClient(broker.uri(), "bench-platform-" + kind, new MemoryPersistence());
      MqttConnectOptions o = new MqttConnectOptions();
      o.setMaxInflight(1000);
      platform.connect(o);
      BlockingQueue<OtaMessages.Status> statuses = new LinkedBlockingQueue<>();
      ExecutorService sender = Executors.newSingleThreadExecutor();
      platform.subscribe("m/bench-pole/os", 1, (t, m) -> statuses.add(OtaMessages.Status.parse(m.getPayload())));
      platform.subscribe("m/bench-pole/oc", 1, (t, m) -> {
        OtaMessages.ChunkRequest r = OtaMessages.ChunkRequest.parse(m.getPayload());
        sender.execute(() -> {
          for (int i : r.chunks()) {
            try {
              platform.publish("m/bench-pole/od", new OtaMessages.ChunkData(p2.manifest().bundleSha256(), i, p2.chunks().get(i)).toBytes(), 1,
                  false);
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          }
        });
      });
      LinkShaper.Stats before = shaper == null ? null : shaper.stats();
      long start = System.nanoTime();
      platform.publish("m/bench-pole/o", envelope, 1, true);
      OtaMessages.Status s;
      do {
        s = statuses.poll(6, TimeUnit.HOURS);
      } while (s != null && s.state() != OtaMessages.State.INSTALLED && s.state() != OtaMessages.State.REFUSED);
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      sender.shutdown();
      platform.disconnect();
      platform.close();
      if (s == null || s.state() != OtaMessages.State.INSTALLED) {
        out.println("kind=" + kind + " ended with " + s);
        return;
      }
      String air = "";
      if (shaper != null) {
        LinkShaper.Stats after = shaper.stats();
        air = " air_bytes_down=" + (after.bytesDown() - before.bytesDown()) + " air_bytes_up=" + (after.bytesUp() - before.bytesUp());
      }
      out.println("kind=" + kind + " link=" + link + " offer_to_installed_ms=" + ms + air);
    } finally {
      for (AutoCloseable a : open) {
        a.close();
      }
      WorkDirs.delete(work);
    }
  }

  static void copy(Path from, Path to) throws Exception {
    try (var walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
  }
}

package io.mast.tools;

import io.mast.ota.BundleFile;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.OtaManifestMessage;
import io.mast.protocol.OtaMessages;
import io.mast.protocol.OtaPatchMessage;
import io.mast.protocol.SignedControl;
import io.mast.protocol.OtaMessages.State;
import io.mast.protocol.Topics;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mast ota publish}, a subcommand of {@link OtaCommand}; the chunks are served by a {@link ChunkServer}. */
@Command(name = "publish", mixinStandardHelpOptions = true,
    description = {"Offer a bundle to a pole or a group (retained on o) and serve the chunks they ask for on oc,",
        "showing each pole's progress (a group's as a tally), until every pole that answered committed, refused or rolled back,",
        "--expect of a group's poles did, or the timeout. A chunk many poles of a group ask for goes once to the group's od.",
        "Exit 0 committed, 1 refused, 3 rolled back, 4 no outcome in time.",
        "Example: mast ota publish --broker tcp://127.0.0.1:1883 --device sim-pole-1 mast-1.4.2.bundle"})
final class OtaPublish implements Callable<Integer> {
  @picocli.CommandLine.Mixin
  BrokerOptions mqtt;

  @picocli.CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
  SignOptions.Target target;

  @Option(names = "--timeout", defaultValue = "3600", paramLabel = "S",
      description = "Seconds to serve and wait (default ${DEFAULT-VALUE}); over NB-IoT a full bundle takes hours.")
  int timeoutS;

  @Option(names = "--expect", paramLabel = "N", description = "For a group: stop once N poles reached an outcome.")
  Integer expect;

  @Option(names = "--fan-window", defaultValue = "10", paramLabel = "S",
      description = "For a group: a chunk asked again within S seconds of its publish to the group is on its way and not sent"
          + " again; asked later, it goes to the asking pole alone (default ${DEFAULT-VALUE}; over NB-IoT a few round trips).")
  int fanWindowS;

  @Option(names = "--group-rate", defaultValue = "0", paramLabel = "KB_PER_S",
      description = "For a group: send chunks to the group's od at most this many kilobytes a second, about the poles' link speed,"
          + " so no queue on the way to a slow pole overflows; single poles' chunks go meanwhile (default ${DEFAULT-VALUE}: as fast as"
          + " the poles ask).")
  int groupRateKb;

  @Option(names = "--max-waiting", defaultValue = "100000", paramLabel = "N",
      description = "(Pole, chunk) pairs waiting to be sent to single poles at most (default ${DEFAULT-VALUE}); more are dropped,"
          + " counted, and asked again by the poles after their resend time.")
  int maxWaiting;

  @Option(names = "--patch", paramLabel = "FILE", description = {"Offer this patch of the bundle (BUNDLE.patch from mast ota pack --base)",
      "instead of its full manifest: a pole on the patch's base fetches only the changed chunks; a pole that is not on it",
      "answers WANTS_FULL and is offered the full manifest on its own o."})
  Path patch;

  @Parameters(paramLabel = "BUNDLE", description = "The bundle file (mast ota pack).")
  Path bundle;

  /** The poles that answered a patch with WANTS_FULL and were offered the full manifest on their own topic. */
  private final java.util.Set<String> fullOffered = java.util.concurrent.ConcurrentHashMap.newKeySet();

  @Override
  public Integer call() throws Exception {
    String refused = mqtt.refusal();
    if (refused != null) {
      System.err.println("mast ota publish: " + refused);
      return 2;
    }
    try (BundleFile b = BundleFile.open(bundle, OtaCommand::unverifiedManifest)) {
      OtaManifestMessage m = b.manifest();
      byte[] offer = b.envelope();
      if (patch != null) {
        offer = Files.readAllBytes(patch);
        String wrong = patchProblem(offer, m);
        if (wrong != null) {
          System.err.println("mast ota publish: " + patch + " " + wrong);
          return 2;
        }
      }
      Topics topics = Topics.standard();
      String offerTopic = target.group != null ? topics.groupTopic(target.group, Topics.Kind.OTA_OFFER)
          : topics.topic(target.device, Topics.Kind.OTA_OFFER);
      Map<String, OtaMessages.Status> poles = new ConcurrentSkipListMap<>();
      java.util.concurrent.ExecutorService fullOffers = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "mast-ota-full-offers");
        t.setDaemon(true);
        return t;
      });
      // Paho counts a publish in flight until its callback thread, busy with the poles' requests, has seen the PUBACK
      MqttClient client = mqtt.connect("mast-ota-", 100);
      ChunkServer server = new ChunkServer(b, topics, target.group, TimeUnit.SECONDS.toMillis(fanWindowS), maxWaiting,
          groupRateKb * 1000L, (topic, payload) -> publish(client, topic, payload));
      try {
        client.subscribe(topics.filter(Topics.Kind.OTA_STATUS), 1, (t, msg) -> topics.parse(t).ifPresent(p -> {
          if (msg.isRetained()) {
            return; // a pole's latest status from before this offer (mast ota status shows those)
          }
          try {
            OtaMessages.Status st = OtaMessages.Status.parse(msg.getPayload());
            if (st.state() == State.WANTS_FULL && st.version().equals(m.version()) && fullOffered.add(p.device())) {
              server.alone(p.device()); // it takes the full offer on its own topic, and listens to its own od only
              fullOffers.execute(() -> offerFull(client, topics.topic(p.device(), Topics.Kind.OTA_OFFER), b.envelope()));
            }
            if (st.version().equals(m.version()) || st.version().isEmpty()) {
              // a rollback stays the outcome: a refusal of the same offer seen again after it says nothing new
              poles.merge(p.device(), st, (was, now) -> was.state() == State.ROLLED_BACK ? was : now);
            }
          } catch (FrameFormatException e) {
            // not a status: nothing to show
          }
        }));
        client.subscribe(topics.filter(Topics.Kind.OTA_CHUNK_REQUEST), 1, (t, msg) -> topics.parse(t).ifPresent(p -> {
          try {
            OtaMessages.ChunkRequest r = OtaMessages.ChunkRequest.parse(msg.getPayload());
            if (Arrays.equals(r.bundleSha256(), m.bundleSha256())) { // else another bundle's request: another publisher's
              server.requested(p.device(), r);
            }
          } catch (FrameFormatException e) {
            // not a request: nothing to serve
          }
        }));
        client.publish(offerTopic, offer, 1, true);
        System.out.println("offered " + m.version() + " (" + m.chunks().size() + " chunks, " + m.totalSize() + " bytes) on " + offerTopic
            + (patch == null ? "" : " as a patch (" + offer.length + " bytes; a pole not on its base gets the full manifest)")
            + "; serving chunks for up to " + timeoutS + " s");
        long offeredAt = System.nanoTime();
        int status = target.group != null ? watchGroup(poles, server, offeredAt) : watchDevice(poles, server);
        if (status != 0 && target.device != null) {
          client.publish(offerTopic, new byte[0], 1, true);
          System.out.println("the retained offer was cleared, so the pole is not offered it again");
        } else if (status == 0) {
          client.publish(offerTopic, new byte[0], 1, true);
        }
        fullOffers.shutdown();
        fullOffers.awaitTermination(30, TimeUnit.SECONDS);
        for (String device : fullOffered) {
          client.publish(topics.topic(device, Topics.Kind.OTA_OFFER), new byte[0], 1, true); // its full offer, retained, is done with
        }
        return status;
      } finally {
        fullOffers.shutdownNow();
        server.close();
        if (client.isConnected()) {
          client.disconnect();
        }
        client.close();
      }
    }
  }

  /** Why {@code envelope} is not a patch of the bundle whose manifest is {@code m}, or null. */
  static String patchProblem(byte[] envelope, OtaManifestMessage m) {
    try {
      byte[] payload = SignedControl.payloadUnverified(envelope);
      if (!OtaPatchMessage.isPatch(payload)) {
        return "is not a patch (mast ota pack --base writes one beside the bundle)";
      }
      OtaPatchMessage p = OtaPatchMessage.parse(payload);
      if (!Arrays.equals(p.bundleSha256(), m.bundleSha256()) || !p.version().equals(m.version())) {
        return "is a patch to " + p.version() + ", not to this bundle's " + m.version() + " (or to another build of it)";
      }
      return null;
    } catch (FrameFormatException e) {
      return "does not hold: " + e.getMessage();
    }
  }

  /** The full manifest, retained on one pole's own offer topic: for a pole that answered WANTS_FULL to the patch. */
  private static void offerFull(MqttClient client, String topic, byte[] envelope) {
    try {
      client.publish(topic, envelope, 1, true);
    } catch (Exception e) {
      System.err.println("mast ota publish: the full offer on " + topic + " failed: " + e.getMessage());
    }
  }

  /** A QoS 1 publish, tried again while Paho says too many are in flight (its count lags the PUBACKs it has). */
  private static void publish(MqttClient client, String topic, byte[] payload) throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        client.publish(topic, payload, 1, false);
        return;
      } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
        if (e.getReasonCode() != org.eclipse.paho.client.mqttv3.MqttException.REASON_CODE_MAX_INFLIGHT || attempt == 500) {
          throw e;
        }
        Thread.sleep(10); // a back-off while Paho's callback thread catches up, not a wait for an event
      }
    }
  }

  /** One pole's progress, line by line, until it reached an outcome or the timeout. */
  private int watchDevice(Map<String, OtaMessages.Status> poles, ChunkServer server) throws InterruptedException {
    boolean terminal = System.console() != null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutS);
    int shown = 0;
    String lastText = "";
    while (System.nanoTime() < deadline) {
      List<String> lines = new ArrayList<>();
      poles.forEach((device, st) -> lines.add(line(device, st)));
      ChunkServer.Counts c = server.counts();
      lines.add("served " + (c.groupBytes() + c.directBytes()) + " bytes");
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
      if (!poles.isEmpty() && poles.values().stream().allMatch(OtaPublish::finalState)) {
        break;
      }
      Thread.sleep(500); // a screen refresh, not a wait for an event
    }
    return exitStatus(poles);
  }

  /**
   * A group's poles as a tally (a line of its own only for a pole that refused or rolled back),
   * until --expect of them reached an outcome or the timeout; then the figures as key=value.
   */
  private int watchGroup(Map<String, OtaMessages.Status> poles, ChunkServer server, long offeredAt) throws InterruptedException {
    boolean terminal = System.console() != null;
    long deadline = offeredAt + TimeUnit.SECONDS.toNanos(timeoutS);
    long lastOutcomeAt = offeredAt;
    long outcomes = 0;
    long shownAt = 0;
    String lastTally = "";
    java.util.Set<String> told = new java.util.HashSet<>();
    while (true) {
      long now = System.nanoTime();
      long reached = 0;
      for (Map.Entry<String, OtaMessages.Status> e : poles.entrySet()) {
        OtaMessages.Status st = e.getValue();
        if (finalState(st)) {
          reached++;
          if (st.state() != State.COMMITTED && told.add(e.getKey())) {
            System.out.println((terminal ? "\r\033[K" : "") + line(e.getKey(), st));
          }
        }
      }
      if (reached > outcomes) {
        outcomes = reached;
        lastOutcomeAt = now;
      }
      String tally = tally(poles, server.counts());
      if (terminal) {
        System.out.print("\r\033[K" + tally);
        System.out.flush();
      } else if (!tally.equals(lastTally) && now - shownAt >= TimeUnit.SECONDS.toNanos(5)) {
        System.out.println(tally);
        shownAt = now;
        lastTally = tally;
      }
      if ((expect != null && outcomes >= expect) || now >= deadline) {
        break;
      }
      Thread.sleep(500); // the tally's refresh, not a wait for an event
    }
    ChunkServer.Counts c = server.counts();
    System.out.println((terminal ? "\r\033[K" : "") + tally(poles, c) + String.format(Locale.ROOT, "; the last outcome %.1f s after the offer",
        (lastOutcomeAt - offeredAt) / 1e9) + (expect != null && outcomes < expect
        ? "; " + (expect - outcomes) + " of the " + expect + " expected reached none in " + timeoutS + " s" : ""));
    Map<State, Integer> by = byState(poles);
    System.out.printf(Locale.ROOT, "ota_publish group=%s poles=%d committed=%d refused=%d rolled_back=%d without_outcome=%d"
        + " last_outcome_s=%.1f requests=%d asked_bytes=%d group_chunks=%d group_bytes=%d direct_chunks=%d direct_bytes=%d"
        + " served_bytes=%d on_their_way=%d dropped=%d failed=%d full_offers=%d heap_peak_mb=%.1f%n", target.group, poles.size(),
        by.get(State.COMMITTED), by.get(State.REFUSED), by.get(State.ROLLED_BACK), poles.size() - outcomes,
        (lastOutcomeAt - offeredAt) / 1e9, c.requests(), c.askedBytes(), c.groupChunks(), c.groupBytes(), c.directChunks(),
        c.directBytes(), c.groupBytes() + c.directBytes(), c.onTheirWay(), c.dropped(), c.failed(), fullOffered.size(), heapPeakBytes() / 1e6);
    return exitStatus(poles);
  }

  private static Map<State, Integer> byState(Map<String, OtaMessages.Status> poles) {
    Map<State, Integer> by = new EnumMap<>(State.class);
    for (State s : State.values()) {
      by.put(s, 0);
    }
    poles.values().forEach(st -> by.merge(st.state(), 1, Integer::sum));
    return by;
  }

  /** "1000 poles answered: 3 downloading, ... 990 committed, 0 refused, 10 rolled back; served ...". */
  private static String tally(Map<String, OtaMessages.Status> poles, ChunkServer.Counts c) {
    Map<State, Integer> by = byState(poles);
    StringBuilder b = new StringBuilder().append(poles.size()).append(poles.size() == 1 ? " pole" : " poles").append(" answered:");
    String sep = " ";
    for (State s : State.values()) {
      b.append(sep).append(by.get(s)).append(' ').append(s.name().toLowerCase(Locale.ROOT).replace('_', ' '));
      sep = ", ";
    }
    return b.append(String.format(Locale.ROOT, "; served %d chunks to the group (%.1f MB) and %d to single poles (%.1f MB) for %.1f MB asked",
        c.groupChunks(), c.groupBytes() / 1e6, c.directChunks(), c.directBytes() / 1e6, c.askedBytes() / 1e6)).toString();
  }

  /** The highest heap this process used: the sum of its heap pools' peaks. */
  private static long heapPeakBytes() {
    long sum = 0;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) {
        sum += p.getPeakUsage().getUsed();
      }
    }
    return sum;
  }

  private static int exitStatus(Map<String, OtaMessages.Status> poles) {
    if (poles.isEmpty()) {
      System.out.println("no pole answered");
      return 4;
    }
    if (poles.values().stream().anyMatch(s -> s.state() == State.ROLLED_BACK)) {
      return 3;
    }
    if (poles.values().stream().anyMatch(s -> s.state() == State.REFUSED)) {
      return 1;
    }
    return poles.values().stream().allMatch(s -> s.state() == State.COMMITTED) ? 0 : 4;
  }

  private static boolean finalState(OtaMessages.Status s) {
    return s.state() == State.COMMITTED || s.state() == State.REFUSED || s.state() == State.ROLLED_BACK;
  }

  /** One pole's line: a bar of 30 while downloading, else its state and detail. */
  static String line(String device, OtaMessages.Status st) {
    String bar = "";
    if (st.chunksTotal() > 0 && st.state() == State.DOWNLOADING) {
      int filled = (int) (30L * st.chunksDone() / st.chunksTotal());
      bar = " [" + "#".repeat(filled) + ".".repeat(30 - filled) + "] " + st.chunksDone() + "/" + st.chunksTotal();
    }
    return device + ": " + st.state() + bar + (st.detail().isEmpty() ? "" : " (" + st.detail() + ")");
  }
}

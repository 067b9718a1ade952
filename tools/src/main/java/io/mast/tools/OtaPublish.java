package io.mast.tools;

import io.mast.ota.BundleFile;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.OtaManifestMessage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mast ota publish}, a subcommand of {@link OtaCommand}. */
@Command(name = "publish", mixinStandardHelpOptions = true,
    description = {"Offer a bundle to a pole or a group (retained on o) and serve the chunks they ask for on oc,",
        "showing each pole's progress, until every pole that answered committed, refused or rolled back, or the timeout.",
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
      long outcomes = poles.values().stream().filter(OtaPublish::finalState).count();
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

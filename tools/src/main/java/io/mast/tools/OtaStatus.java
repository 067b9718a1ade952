package io.mast.tools;

import io.mast.protocol.FrameFormatException;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mast ota status}, a subcommand of {@link OtaCommand}. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = {"Each pole's latest update status (os, retained by the broker): version, state, chunks, why.",
        "With --follow, then every status as it comes, until Ctrl-C or --timeout.",
        "Example: mast ota status --broker tcp://127.0.0.1:1883"})
final class OtaStatus implements Callable<Integer> {
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

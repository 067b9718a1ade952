package io.mast.devkit;

import io.mast.protocol.ChannelProfile;
import io.mast.protocol.DecodedFrame;
import io.mast.protocol.FrameDecoder;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.MessageText;
import io.mast.protocol.Reading;
import io.mast.protocol.Topics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * The platform's side of the chaos day: a persistent QoS 1 session on the broker itself (its queue
 * outlives each broker restart, as Mosquitto saves it) that writes every message the pole sends to
 * a capture file ({@code MILLIS TOPIC HEX}, one a line) and keeps the frames. At the end it checks
 * the pole's promises against the day's readings: each delivered once after de-duplication by
 * (device, sequence), none missing that was not reported evicted, none that was never sampled,
 * none changed, and in order per channel.
 */
final class ChaosPlatform implements AutoCloseable {
  /** What each topic kind carries, for the day's table. */
  static final Map<String, String> TOPICS = Map.ofEntries(Map.entry("t", "telemetry frames (up)"), Map.entry("p", "profile (up, retained)"),
      Map.entry("s", "status: birth and will (up, retained)"), Map.entry("h", "health (up)"), Map.entry("ca", "config acks (up)"),
      Map.entry("os", "OTA status (up)"), Map.entry("oc", "OTA chunk requests (up)"), Map.entry("au", "audit (up)"),
      Map.entry("c", "config pushes (down, retained)"), Map.entry("o", "OTA offer with its manifest (down, retained)"),
      Map.entry("od", "OTA chunks (down)"));
  private static final Pattern EVICTED = Pattern.compile("evicted: (\\d+)");
  private static final Pattern SPENT = Pattern.compile("uplink_bytes_today: (\\d+)");

  /** What the check found. */
  record Verdict(long expected, long delivered, long duplicateFrames, long repeated, long missing, long extra, long changed,
      long outOfOrder, long evictedReported, long frames) {
    boolean holds() {
      return repeated == 0 && extra == 0 && changed == 0 && outOfOrder == 0 && missing <= evictedReported;
    }
  }

  private final String device;
  private final PrintStream capture;
  private final MqttClient client;
  private final Map<Integer, ChannelProfile> profiles = new HashMap<>();
  private final List<byte[]> frames = new ArrayList<>();
  /** The frames decoded, by sequence; null once a frame or a profile arrived since. */
  private TreeMap<Long, DecodedFrame> decoded;
  private final Map<String, AtomicLong> perKind = new TreeMap<>();
  private final Map<String, AtomicLong> bytesPerKind = new TreeMap<>();
  private final List<String> configAcks = new ArrayList<>();
  private final List<String> otaStatuses = new ArrayList<>();
  private volatile String health = "";

  ChaosPlatform(String brokerUri, String device, Path captureFile) throws IOException, MqttException {
    this.device = device;
    this.capture = new PrintStream(Files.newOutputStream(captureFile), true, StandardCharsets.US_ASCII);
    this.client = new MqttClient(brokerUri, "chaos-platform", new MemoryPersistence());
    String filter = "m/" + device + "/#";
    client.setCallback(new MqttCallbackExtended() {
      @Override
      public void connectComplete(boolean reconnect, String serverUri) {
        try {
          client.subscribe(filter, 1);
        } catch (MqttException e) {
          capture.println("# subscribe failed after a reconnect: " + e);
        }
      }

      @Override
      public void connectionLost(Throwable cause) {
        capture.println("# " + System.currentTimeMillis() + " connection lost: " + cause);
      }

      @Override
      public void messageArrived(String topic, MqttMessage message) {
        message(topic, message.getPayload());
      }

      @Override
      public void deliveryComplete(IMqttDeliveryToken token) {}
    });
    MqttConnectOptions o = new MqttConnectOptions();
    o.setCleanSession(false); // the broker queues what the pole sends while this is away, and saves it over a restart
    o.setAutomaticReconnect(true);
    o.setMaxReconnectDelay(2_000);
    o.setMaxInflight(1_000);
    client.connect(o);
    client.subscribe(filter, 1);
  }

  private synchronized void message(String topic, byte[] payload) {
    capture.println(System.currentTimeMillis() + " " + topic + " " + HexFormat.of().formatHex(payload));
    String kind = topic.substring(topic.lastIndexOf('/') + 1);
    perKind.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
    if (kind.equals("t") || kind.equals("p")) {
      decoded = null;
    }
    bytesPerKind.computeIfAbsent(kind, k -> new AtomicLong()).addAndGet(payload.length);
    try {
      switch (kind) {
        case "p" -> {
          if (payload.length > 0) {
            ChannelProfile p = ChannelProfile.parse(payload);
            profiles.put(p.id(), p);
          }
        }
        case "t" -> frames.add(payload);
        case "h" -> health = MessageText.of(Topics.Kind.HEALTH, payload);
        case "ca" -> configAcks.add(MessageText.of(Topics.Kind.CONFIG_ACK, payload));
        case "os" -> otaStatuses.add(MessageText.of(Topics.Kind.OTA_STATUS, payload));
        default -> {
          // status, audit: in the capture
        }
      }
    } catch (FrameFormatException | IllegalArgumentException e) {
      capture.println("# " + topic + " does not decode: " + e.getMessage());
    }
  }

  synchronized Map<String, Long> counts() {
    Map<String, Long> out = new TreeMap<>();
    perKind.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  /** Payload bytes received per topic kind. */
  synchronized Map<String, Long> bytes() {
    Map<String, Long> out = new TreeMap<>();
    bytesPerKind.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  synchronized List<String> configAcks() {
    return List.copyOf(configAcks);
  }

  synchronized List<String> otaStatuses() {
    return List.copyOf(otaStatuses);
  }

  String health() {
    return health;
  }

  /** The bytes the pole says it spent today, from its latest health report; -1 before one. */
  long budgetSpent() {
    Matcher m = SPENT.matcher(health);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  /** Unique readings delivered so far (frames de-duplicated by sequence). */
  synchronized long delivered() {
    return decode().values().stream().mapToLong(f -> f.readings().size()).sum();
  }

  /**
   * The frames received, decoded against the profiles seen, one per sequence number, by sequence;
   * decoded again only when a frame or a profile arrived since (the end's wait asks every 20 ms).
   */
  private TreeMap<Long, DecodedFrame> decode() {
    if (decoded != null) {
      return decoded;
    }
    List<FrameDecoder> decoders = new ArrayList<>();
    for (ChannelProfile p : profiles.values()) {
      decoders.add(new FrameDecoder(p));
    }
    TreeMap<Long, DecodedFrame> bySeq = new TreeMap<>();
    for (byte[] payload : frames) {
      for (FrameDecoder d : decoders) {
        try {
          DecodedFrame f = d.decode(payload);
          bySeq.putIfAbsent(f.seq(), f);
          break;
        } catch (FrameFormatException another) {
          // another profile's frame
        }
      }
    }
    decoded = bySeq;
    return bySeq;
  }

  /** The day's promises against {@code sampled}, the readings the pole was given. */
  synchronized Verdict check(List<Reading> sampled) {
    Map<Long, Long> expected = new HashMap<>();
    for (Reading r : sampled) {
      expected.put(key(r), r.mantissa());
    }
    TreeMap<Long, DecodedFrame> bySeq = decode();
    Map<Long, Boolean> seen = new HashMap<>();
    Map<Integer, Long> lastTime = new HashMap<>();
    long delivered = 0;
    long repeated = 0;
    long extra = 0;
    long changed = 0;
    long outOfOrder = 0;
    for (DecodedFrame f : bySeq.values()) {
      for (Reading r : f.readings()) {
        Long want = expected.get(key(r));
        if (want == null) {
          extra++;
        } else if (seen.putIfAbsent(key(r), true) != null) {
          repeated++;
        } else {
          delivered++;
          if (want != r.mantissa()) {
            changed++;
          }
        }
        Long last = lastTime.put(r.channel(), r.time());
        if (last != null && r.time() <= last) {
          outOfOrder++;
        }
      }
    }
    long evicted = 0;
    Matcher m = EVICTED.matcher(health);
    while (m.find()) {
      evicted += Long.parseLong(m.group(1));
    }
    return new Verdict(sampled.size(), delivered, frames.size() - bySeq.size(), repeated, sampled.size() - delivered, extra, changed,
        outOfOrder, evicted, bySeq.size());
  }

  private static long key(Reading r) {
    return r.time() * 64 + r.channel();
  }

  @Override
  public void close() throws MqttException {
    try {
      client.disconnect();
    } catch (MqttException e) {
      // the broker may be gone already
    }
    client.close(true);
    capture.close();
  }
}

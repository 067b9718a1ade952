package io.mast.runtime.ota;

import io.mast.ota.Packer;
import io.mast.protocol.OtaMessages;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * The platform's side of the chunks in tests: answers each request on {@code oc} with the chunks
 * on {@code od}, from {@link #packed}; it can damage chunks, mix in another release's, or go quiet
 * after a number served.
 */
public final class ChunkServer implements AutoCloseable {
  final MqttClient client;
  public final AtomicLong bytesServed = new AtomicLong();
  /** The indexes served, in order. */
  public final List<Integer> served = Collections.synchronizedList(new ArrayList<>());
  /** Chunks asked for once {@link #limit} were served (asked, not served). */
  public final AtomicInteger askedBeyondLimit = new AtomicInteger();
  public volatile Packer.Packed packed;
  /** The next this many chunks served are damaged (one byte flipped). */
  public volatile int garbageLeft;
  /** Another release: each chunk asked for is first sent from it, under the asked bundle's hash and index (a confused server). */
  public volatile Packer.Packed mixWith;
  /** Requests beyond this many chunks served are ignored (a platform gone quiet). */
  public volatile int limit = Integer.MAX_VALUE;

  public ChunkServer(String uri) throws Exception {
    client = new MqttClient(uri, "chunk-server-" + System.nanoTime(), new MemoryPersistence());
    MqttConnectOptions o = new MqttConnectOptions();
    o.setMaxInflight(1000);
    client.connect(o);
    client.subscribe("m/+/oc", 1, (topic, message) -> {
      OtaMessages.ChunkRequest r = OtaMessages.ChunkRequest.parse(message.getPayload());
      String od = topic.substring(0, topic.length() - 2) + "od";
      List<byte[]> out = new ArrayList<>();
      for (int i : r.chunks()) {
        if (served.size() >= limit) {
          askedBeyondLimit.incrementAndGet();
          continue;
        }
        Packer.Packed other = mixWith;
        if (other != null) {
          byte[] bytes = other.chunks().get(i % other.chunks().size());
          out.add(new OtaMessages.ChunkData(other.manifest().bundleSha256(), i, bytes).toBytes()); // another bundle's
          out.add(new OtaMessages.ChunkData(packed.manifest().bundleSha256(), i, bytes).toBytes()); // another's bytes under ours
        }
        byte[] data = packed.chunks().get(i);
        if (garbageLeft > 0) {
          garbageLeft--;
          data = data.clone();
          data[0] ^= 0x55;
        }
        served.add(i);
        bytesServed.addAndGet(data.length);
        out.add(new OtaMessages.ChunkData(packed.manifest().bundleSha256(), i, data).toBytes());
      }
      // published from another thread: Paho's callback thread must not wait for its own deliveries
      new Thread(() -> {
        for (byte[] p : out) {
          try {
            client.publish(od, p, 1, false);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }
      }).start();
    });
  }

  @Override
  public void close() throws Exception {
    if (client.isConnected()) {
      client.disconnectForcibly(1000, 1000);
    }
    client.close();
  }
}

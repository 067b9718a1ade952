package io.mast.runtime.agent;

import com.google.protobuf.ByteString;
import io.mast.config.model.DeviceConfig;
import io.mast.config.model.TrustedKey;
import io.mast.protocol.ConfigAckMessage;
import io.mast.protocol.ConfigSetMessage;
import io.mast.protocol.Ed25519Keys;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.SignedControl;
import io.mast.protocol.StatusMessage;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.awaitility.Awaitility;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/** The platform's side in a test: a key pair, an MQTT client on m/#, signed pushes, the acks that come back. */
public final class Platform implements AutoCloseable {
  public record Message(String topic, byte[] payload) {}

  public final KeyPair key = Ed25519Keys.generate();
  public final String keyId = "ops-1";
  public final List<Message> messages = Collections.synchronizedList(new ArrayList<>());
  private final MqttClient client;

  public Platform(String uri) throws Exception {
    client = new MqttClient(uri, "platform-" + System.nanoTime(), new MemoryPersistence());
    MqttConnectOptions o = new MqttConnectOptions();
    o.setMaxInflight(1000);
    client.connect(o);
    client.subscribe("m/#", 1, (t, m) -> messages.add(new Message(t, m.getPayload())));
  }

  /** Connects again after the broker went away (a restart of the test's broker), subscribed as before. */
  public void reconnect() throws Exception {
    if (client.isConnected()) {
      // the client may not have noticed the old broker's end yet: drop that connection without waiting on it
      client.disconnectForcibly(0, 1000);
    }
    MqttConnectOptions o = new MqttConnectOptions();
    o.setMaxInflight(1000);
    client.connect(o);
    client.subscribe("m/#", 1, (t, m) -> messages.add(new Message(t, m.getPayload())));
  }

  /** The key as a config lists it. */
  public TrustedKey trusted() {
    return TrustedKey.newBuilder().setKeyId(keyId).setEd25519Public(ByteString.copyFrom(Ed25519Keys.raw(key.getPublic()))).build();
  }

  public byte[] signed(DeviceConfig config, long version, String target, int graceS) throws Exception {
    long now = Instant.now().getEpochSecond();
    return signed(SignedControl.Type.CONFIG_SET, new ConfigSetMessage(version, config.toByteArray(), graceS).toBytes(), target,
        now - 5, now + 3600, key.getPrivate());
  }

  public byte[] signed(SignedControl.Type type, byte[] payload, String target, long issued, long expires, PrivateKey with) throws Exception {
    return SignedControl.sign(type, target, issued, expires, payload, keyId, with);
  }

  public void publish(String topic, byte[] payload, boolean retained) throws Exception {
    client.publish(topic, payload, 1, retained);
  }

  /** The acks on {@code m/DEVICE/ca} so far, parsed. */
  public List<ConfigAckMessage> acks(String device) {
    List<ConfigAckMessage> out = new ArrayList<>();
    synchronized (messages) {
      for (Message m : messages) {
        if (m.topic().equals("m/" + device + "/ca")) {
          try {
            out.add(ConfigAckMessage.parse(m.payload()));
          } catch (FrameFormatException e) {
            throw new AssertionError("an ack of " + m.payload().length + " bytes that does not parse: " + e.getMessage());
          }
        }
      }
    }
    return out;
  }

  /** Waits (bounded) for the {@code n}th ack of {@code device} and returns it. */
  public ConfigAckMessage ack(String device, int n) {
    Awaitility.await("acknowledgement " + n + " of " + device + " (so far: " + acks(device) + ")").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20)).until(() -> acks(device).size() >= n);
    return acks(device).get(n - 1);
  }

  /** The latest birth status of {@code device}, or null. */
  public StatusMessage status(String device) throws FrameFormatException {
    byte[] latest = null;
    synchronized (messages) {
      for (Message m : messages) {
        if (m.topic().equals("m/" + device + "/s")) {
          latest = m.payload();
        }
      }
    }
    return latest == null ? null : StatusMessage.parse(latest);
  }

  /** The payloads on {@code topic} so far, in arrival order. */
  public List<byte[]> payloads(String topic) {
    synchronized (messages) {
      return messages.stream().filter(m -> m.topic().equals(topic)).map(Message::payload).toList();
    }
  }

  public long count(String topic) {
    synchronized (messages) {
      return messages.stream().filter(m -> m.topic().equals(topic)).count();
    }
  }

  @Override
  public void close() throws Exception {
    if (client.isConnected()) {
      client.disconnectForcibly(1000, 1000); // bounded, even when the broker is already gone
    }
    client.close();
  }
}

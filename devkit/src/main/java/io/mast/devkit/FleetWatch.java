package io.mast.devkit;

import io.mast.tools.FrameLedger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * The platform's side of {@code mast fleet}: one persistent QoS 1 session on the broker (what the
 * poles send while it is away, a broker restart included, is queued for it) taking every pole's
 * frames and profiles into a {@link FrameLedger}, which decodes them and drops duplicates by
 * (device, sequence). What each pole had acknowledged is then checked against what arrived.
 */
final class FleetWatch implements AutoCloseable {
  private final MqttClient client;
  private final FrameLedger ledger = new FrameLedger((device, frame) -> { });
  private final AtomicLong messages = new AtomicLong();
  private final AtomicLong bad = new AtomicLong();
  private final String[] filters;
  private final java.util.concurrent.ExecutorService resubscriber = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "fleet-watch-subscribe");
    t.setDaemon(true);
    return t;
  });

  FleetWatch(String brokerUri, String clientId, String prefix) throws MqttException {
    this.filters = new String[] {prefix + "+/t", prefix + "+/p"};
    this.client = new MqttClient(brokerUri, clientId, new MemoryPersistence());
    client.setCallback(new MqttCallbackExtended() {
      @Override
      public void connectComplete(boolean reconnect, String serverUri) {
        if (reconnect) {
          // not on Paho's callback thread: a blocking subscribe there waits for a SUBACK queued behind
          // the messages the session kept, which that same thread must deliver first
          resubscriber.execute(FleetWatch.this::subscribe);
        }
      }

      @Override
      public void connectionLost(Throwable cause) {}

      @Override
      public void messageArrived(String topic, MqttMessage message) {
        take(topic, message.getPayload());
      }

      @Override
      public void deliveryComplete(IMqttDeliveryToken token) {}
    });
    MqttConnectOptions o = new MqttConnectOptions();
    o.setCleanSession(false);
    o.setAutomaticReconnect(true);
    o.setMaxReconnectDelay(1_000);
    o.setMaxInflight(65_535);
    o.setKeepAliveInterval(30);
    client.connect(o);
    subscribe();
  }

  private void subscribe() {
    try {
      client.subscribe(filters, new int[] {1, 1});
    } catch (MqttException e) {
      bad.incrementAndGet(); // the automatic reconnect tries again; counted for the report
    }
  }

  private void take(String topic, byte[] payload) {
    messages.incrementAndGet();
    int end = topic.lastIndexOf('/');
    String device = topic.substring(topic.lastIndexOf('/', end - 1) + 1, end);
    try {
      if (topic.endsWith("/p")) {
        ledger.profile(device, payload);
      } else {
        ledger.frame(device, payload);
      }
    } catch (io.mast.protocol.FrameFormatException | IllegalArgumentException e) {
      bad.incrementAndGet();
    }
  }

  FrameLedger ledger() {
    return ledger;
  }

  long messages() {
    return messages.get();
  }

  /** Profiles that did not parse, subscriptions that failed. */
  long bad() {
    return bad.get();
  }

  @Override
  public void close() {
    resubscriber.shutdownNow();
    try {
      client.disconnect(2_000);
    } catch (MqttException e) {
      // the broker may be gone
    }
    try {
      client.close(true);
    } catch (MqttException e) {
      // closing anyway
    }
  }
}

package io.mast.devkit;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * The floor {@code mast bench e2e} sets Mast beside: a JVM that does only the MQTT part of a pole,
 * run by the bench as a child with the pole's JVM options and a class path of this class and
 * Paho alone. It connects, publishes 16 small messages a second at QoS 1 on {@code m/ID/t} (a
 * pole with 16 sensors at 1 Hz sends as many readings), and disconnects after the given seconds.
 *
 * <p>{@code java -cp DEVKIT:PAHO io.mast.devkit.PahoFloor BROKER_URI CLIENT_ID SECONDS}
 */
public final class PahoFloor {
  private PahoFloor() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: PahoFloor BROKER_URI CLIENT_ID SECONDS");
      System.exit(2);
    }
    MqttClient client = new MqttClient(args[0], args[1], new MemoryPersistence());
    MqttConnectOptions o = new MqttConnectOptions();
    o.setCleanSession(true);
    client.connect(o);
    String topic = "m/" + args[1] + "/t";
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[2]));
    long next = System.nanoTime();
    for (long n = 0; System.nanoTime() < end; n++) {
      client.publish(topic, ("reading " + n).getBytes(StandardCharsets.US_ASCII), 1, false);
      next += TimeUnit.MILLISECONDS.toNanos(1000) / 16;
      long wait = next - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait); // the pace of 16 a second
      }
    }
    client.disconnect();
    client.close();
  }
}

package io.mast.tools;

import io.mast.config.BrokerUri;
import io.mast.protocol.Tls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import picocli.CommandLine.Option;

/** How the platform tools reach the platform's broker: its URI, TLS and credentials. */
final class BrokerOptions {
  @Option(names = "--broker", required = true, paramLabel = "URI", description = "The platform's MQTT broker: tcp://host:1883 or ssl://host:8883.")
  String broker;

  @Option(names = "--ca", paramLabel = "FILE", description = "CA certificate (PEM) of an ssl:// broker; the JDK's trust store when absent.")
  Path ca;

  @Option(names = "--cert", paramLabel = "FILE", description = "Client certificate (PEM) for mutual TLS, with --tls-key.")
  Path cert;

  @Option(names = "--tls-key", paramLabel = "FILE", description = "Client private key (PEM, PKCS#8) for mutual TLS, with --cert.")
  Path tlsKey;

  @Option(names = "--username", paramLabel = "NAME", description = "MQTT username.")
  String username;

  @Option(names = "--password-file", paramLabel = "FILE", description = "File holding the MQTT password.")
  Path passwordFile;

  /** What is wrong with {@code --broker}, or null. */
  String refusal() {
    try {
      BrokerUri.check(broker);
      return null;
    } catch (IllegalArgumentException e) {
      return "--broker " + e.getMessage();
    }
  }

  /** A connected client (clean session, no files) named {@code prefix} and a random suffix. */
  MqttClient connect(String prefix) throws MqttException, IOException {
    return connect(prefix, 10);
  }

  /** As {@link #connect(String)}, with at most {@code maxInflight} QoS 1 publishes awaiting their PUBACK (Paho's default is 10). */
  MqttClient connect(String prefix, int maxInflight) throws MqttException, IOException {
    MqttClient client = new MqttClient(broker, prefix + UUID.randomUUID().toString().substring(0, 8), new MemoryPersistence());
    MqttConnectOptions o = connectOptions(true);
    o.setMaxInflight(maxInflight);
    client.connect(o);
    return client;
  }

  /** The options of a connect to {@code --broker}: TLS and credentials as given, a clean session or a persistent one. */
  MqttConnectOptions connectOptions(boolean cleanSession) throws IOException {
    MqttConnectOptions o = new MqttConnectOptions();
    o.setCleanSession(cleanSession);
    o.setConnectionTimeout(30);
    o.setKeepAliveInterval(60);
    if (broker.startsWith("ssl://")) {
      o.setSocketFactory(Tls.socketFactory(ca, cert, tlsKey));
    }
    if (username != null) {
      o.setUserName(username);
    }
    if (passwordFile != null) {
      o.setPassword(Files.readString(passwordFile, StandardCharsets.UTF_8).strip().toCharArray());
    }
    return o;
  }

  static String describe(MqttException e) {
    return e.getCause() != null ? e.getMessage() + " (" + e.getCause().getMessage() + ")" : e.getMessage();
  }
}

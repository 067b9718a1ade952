package io.mast.runtime.uplink;

import io.mast.config.BrokerUri;
import io.mast.config.model.DeviceConfig;
import io.mast.config.model.Uplink;
import io.mast.protocol.Tls;
import io.mast.protocol.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLSocketFactory;

/**
 * How the uplink connects and what it may spend, read from the effective device config.
 *
 * @param brokerUris tried in order at every connection attempt
 * @param socketFactory TLS for {@code ssl://} brokers; null for plain TCP
 * @param password null when none
 * @param ackTimeout how long a frame may await its PUBACK, or a packet from the broker stay half
 *     sent, before the connection is taken as dead
 */
public record UplinkSettings(List<String> brokerUris, String clientId, String deviceId, Topics topics,
    Duration keepAlive, Duration connectTimeout, int inflightWindow, long bandwidthBytesPerSecond,
    long dailyBudgetBytes, Duration reconnectMin, Duration reconnectMax, SSLSocketFactory socketFactory,
    String username, char[] password, Duration ackTimeout) {

  public UplinkSettings {
    brokerUris = List.copyOf(brokerUris);
    if (brokerUris.isEmpty()) {
      throw new IllegalArgumentException("no broker URI");
    }
    brokerUris.forEach(BrokerUri::check);
  }

  /**
   * Settings of {@code config} (effective: defaults applied), with {@code brokers} instead of the
   * configured ones when not empty and {@code deviceId} as the device.
   *
   * @throws IOException if a TLS or password file cannot be read, naming it
   */
  public static UplinkSettings of(DeviceConfig config, String deviceId, List<String> brokers) throws IOException {
    Uplink u = config.getUplink();
    List<String> uris = brokers.isEmpty() ? u.getBrokerUrisList() : brokers;
    boolean tls = uris.stream().anyMatch(x -> x.startsWith("ssl://"));
    SSLSocketFactory factory = tls ? Tls.socketFactory(path(u.getTlsCaFile()), path(u.getTlsCertFile()), path(u.getTlsKeyFile())) : null;
    char[] password = null;
    if (!u.getPasswordFile().isEmpty()) {
      Path file = Path.of(u.getPasswordFile());
      try {
        password = Files.readString(file, StandardCharsets.UTF_8).strip().toCharArray();
      } catch (IOException e) {
        throw new IOException("uplink.password_file " + file + " cannot be read: " + e.getMessage(), e);
      }
    } else if (!u.getPassword().isEmpty()) {
      password = u.getPassword().toCharArray();
    }
    return new UplinkSettings(uris, u.getClientId().isEmpty() ? deviceId : u.getClientId(), deviceId,
        Topics.withPrefix(u.getTopicPrefix()), Duration.ofSeconds(u.getKeepaliveS()),
        Duration.ofSeconds(u.getConnectTimeoutS()), u.getInflightWindow(), u.getBandwidthBytesPerS(),
        u.getDailyByteBudget(), Duration.ofMillis(u.getReconnectMinMs()), Duration.ofSeconds(u.getReconnectMaxS()),
        factory, u.getUsername().isEmpty() ? null : u.getUsername(), password, Duration.ofSeconds(u.getAckTimeoutS()));
  }

  private static Path path(String file) {
    return file.isEmpty() ? null : Path.of(file);
  }

  public String topic(Topics.Kind kind) {
    return topics.topic(deviceId, kind);
  }
}

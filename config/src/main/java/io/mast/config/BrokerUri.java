package io.mast.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;
import java.util.Set;

/**
 * The one rule for an MQTT broker URI, used by config validation, {@code mast run --broker} and
 * the uplink, so a URI that one of them refuses none of them takes: {@code tcp://} or
 * {@code ssl://}, a host, a port in 1..65535 when one is given (1883 and 8883 otherwise), and
 * nothing after it. No user or password in the URI (the config has fields for them, kept out of
 * logs).
 *
 * <p>{@code ws://} and {@code wss://} are refused although Paho speaks them: the uplink checks
 * every MQTT byte a broker sends before Paho reads it, but Paho's WebSocket reader allocates a
 * frame's claimed length before anything above it sees the frame, and over NB-IoT the WebSocket
 * framing is bytes paid for nothing.
 */
public final class BrokerUri {
  private static final Set<String> SCHEMES = Set.of("tcp", "ssl");

  private BrokerUri() {}

  /** What is wrong with {@code text} as a broker URI, or empty if it is one. */
  public static Optional<String> problem(String text) {
    if (text == null || text.isBlank()) {
      return Optional.of("is empty; a broker URI is like tcp://broker.example:1883");
    }
    URI uri;
    try {
      uri = new URI(text.strip());
    } catch (URISyntaxException e) {
      return Optional.of("is not a URI (" + e.getReason() + "); a broker URI is like tcp://broker.example:1883");
    }
    if (uri.getScheme() != null && (uri.getScheme().equals("ws") || uri.getScheme().equals("wss"))) {
      return Optional.of("is MQTT over WebSocket, which the uplink does not take (it cannot check a WebSocket frame before"
          + " the client allocates it); use tcp:// or ssl://");
    }
    if (uri.getScheme() == null || !SCHEMES.contains(uri.getScheme())) {
      return Optional.of("has " + (uri.getScheme() == null ? "no scheme" : "the scheme " + uri.getScheme())
          + "; the scheme must be tcp or ssl");
    }
    if (uri.getRawUserInfo() != null) {
      return Optional.of("carries a user or password; give them as uplink.username and uplink.password_file");
    }
    if (uri.getHost() == null) {
      return Optional.of("names no host (or a port outside 0..65535); a broker URI is like " + uri.getScheme() + "://broker.example:1883");
    }
    if (uri.getPort() == 0 || uri.getPort() < -1 || uri.getPort() > 65_535) {
      return Optional.of("has the port " + uri.getPort() + "; a port is 1..65535");
    }
    if (uri.getRawPath() != null && !uri.getRawPath().isEmpty()) {
      return Optional.of("has a path (" + uri.getRawPath() + "); a broker URI ends after the port");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      return Optional.of("has a query or fragment; a broker URI has none");
    }
    return Optional.empty();
  }

  /** What is wrong with {@code text} as a broker URI, after the text itself, quoted; or empty if nothing is. */
  public static Optional<String> refusal(String text) {
    return problem(text).map(p -> ConfigJson.quote(String.valueOf(text)) + " " + p);
  }

  /**
   * {@code text} if it is a broker URI.
   *
   * @throws IllegalArgumentException saying what is wrong with it
   */
  public static String check(String text) {
    refusal(text).ifPresent(r -> {
      throw new IllegalArgumentException("broker URI " + r);
    });
    return text.strip();
  }
}

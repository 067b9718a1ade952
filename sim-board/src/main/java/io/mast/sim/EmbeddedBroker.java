package io.mast.sim;

import io.moquette.broker.Server;
import io.moquette.broker.config.MemoryConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * An MQTT 3.1.1 broker (Moquette) inside this process, listening on loopback only, so that
 * {@code mast run --sim} and the tests need no broker of their own. Anonymous clients, no TLS,
 * nothing written to disk: retained messages and persistent sessions last as long as the broker.
 * Clients may connect with an empty client id (as {@code mosquitto_sub} does by default).
 *
 * <p>Settings that matter: metrics and telemetry off (Moquette would otherwise phone home), Java
 * NIO rather than the epoll native library, and a message size limit of 256 KiB so that any frame
 * Mast may send (at most 65535 bytes) passes.
 */
public final class EmbeddedBroker implements AutoCloseable {
  private final Server server = new Server();
  private final int port;
  private final Path dataDir;
  private boolean stopped;

  private EmbeddedBroker(int port, Path dataDir) {
    this.port = port;
    this.dataDir = dataDir;
  }

  /**
   * Starts a broker on {@code 127.0.0.1:port}; port 0 picks a free one.
   *
   * @throws IOException if the port is taken or the broker does not start, with the port in the message
   */
  public static EmbeddedBroker start(int port) throws IOException {
    int chosen = port == 0 ? freePort() : port;
    Path dataDir = Files.createTempDirectory("mast-broker-");
    Properties p = new Properties();
    p.setProperty("host", "127.0.0.1");
    p.setProperty("port", Integer.toString(chosen));
    p.setProperty("websocket_port", "disabled");
    p.setProperty("allow_anonymous", "true");
    // mosquitto_sub sends an empty client id unless given one; the broker names such clients itself
    p.setProperty("allow_zero_byte_client_id", "true");
    p.setProperty("persistence_enabled", "false");
    p.setProperty("data_path", dataDir.toString());
    p.setProperty("telemetry_enabled", "false");
    p.setProperty("use_metrics", "false");
    p.setProperty("use_bugsnag", "false");
    p.setProperty("netty.epoll", "false");
    p.setProperty("netty.mqtt.message_size", Integer.toString(256 * 1024));
    EmbeddedBroker broker = new EmbeddedBroker(chosen, dataDir);
    try {
      broker.server.startServer(new MemoryConfig(p));
    } catch (IOException | RuntimeException e) {
      broker.close();
      throw new IOException("embedded MQTT broker did not start on 127.0.0.1:" + chosen + ": " + e.getMessage(), e);
    }
    return broker;
  }

  /** True if nothing listens on {@code 127.0.0.1:port} yet. */
  public static boolean portFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** A loopback port free at the moment of the call. */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  public int port() {
    return port;
  }

  /** {@code tcp://127.0.0.1:PORT}. */
  public String uri() {
    return "tcp://127.0.0.1:" + port;
  }

  /** Stops the broker and drops its temporary directory; idempotent. */
  @Override
  public synchronized void close() {
    if (stopped) {
      return;
    }
    stopped = true;
    try {
      server.stopServer();
    } catch (RuntimeException e) {
      // a broker that never started has nothing to stop
    }
    try (var files = Files.walk(dataDir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // a leftover empty temporary directory is harmless
    }
  }
}

package io.mast.sim;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's Mosquitto 2 as a peer for tests and benchmarks: started on a free loopback port with
 * its own config file (anonymous, large in-flight and queue limits, persistence so that sessions
 * and queued messages survive a restart), stopped with SIGTERM so that it saves them, and
 * restarted on the same port. A missing binary is an {@link IllegalStateException} with the
 * command that installs it (a test that needs it fails saying so; it never skips).
 */
public final class Mosquitto implements AutoCloseable {
  private final Path dir;
  private final int port;
  private final List<String> extra;
  private Process process;

  private Mosquitto(Path dir, int port, List<String> extra) {
    this.dir = dir;
    this.port = port;
    this.extra = extra;
  }

  /** Starts a plain listener on a free port; {@code extra} lines go into the listener's config. */
  public static Mosquitto start(Path dir, String... extra) throws IOException, InterruptedException {
    Mosquitto m = new Mosquitto(dir, EmbeddedBroker.freePort(), List.of(extra));
    m.launch();
    return m;
  }

  public static String binary() {
    for (String candidate : List.of("/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto")) {
      if (Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    throw new IllegalStateException("mosquitto is not installed; install it with: sudo apt-get install mosquitto mosquitto-clients"
        + " (./run-tests does this on Debian as root)");
  }

  /** The path of a Mosquitto client tool, or a failure saying how to install it. */
  public static String client(String name) {
    for (String d : List.of("/usr/bin/", "/usr/local/bin/")) {
      if (Files.isExecutable(Path.of(d + name))) {
        return d + name;
      }
    }
    throw new IllegalStateException(name + " is not installed; install it with: sudo apt-get install mosquitto-clients");
  }

  private void launch() throws IOException, InterruptedException {
    Files.createDirectories(dir);
    List<String> conf = new ArrayList<>(List.of(
        "per_listener_settings false",
        "user " + System.getProperty("user.name"), // as root, Mosquitto would drop to "mosquitto" and lose the test files
        "allow_anonymous true",
        "persistence true",
        "persistence_location " + dir.toAbsolutePath() + "/",
        "autosave_interval 1",
        "max_inflight_messages 1000",
        "max_queued_messages 100000",
        "set_tcp_nodelay true", // else a PUBACK behind unacknowledged data waits for the peer's delayed ACK: 40 ms a publish
        "listener " + port + " 127.0.0.1"));
    conf.addAll(extra);
    Path file = dir.resolve("mosquitto.conf");
    Files.write(file, conf, StandardCharsets.UTF_8);
    process = new ProcessBuilder(binary(), "-c", file.toString())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("mosquitto.log").toFile()))
        .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (process.isAlive() && !listening()) {
      if (System.nanoTime() > deadline) {
        throw new IOException("mosquitto did not listen on " + port + " within 10 s: " + Files.readString(dir.resolve("mosquitto.log")));
      }
      Thread.sleep(20); // a process starting: nothing to wait on but its port
    }
    if (!process.isAlive()) {
      throw new IOException("mosquitto exited at start: " + Files.readString(dir.resolve("mosquitto.log")));
    }
  }

  private boolean listening() {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return true;
    } catch (IOException notYet) {
      return false;
    }
  }

  public int port() {
    return port;
  }

  /** Mosquitto's own log (its config file is beside it). */
  public Path log() {
    return dir.resolve("mosquitto.log");
  }

  public String uri() {
    return "tcp://127.0.0.1:" + port;
  }

  /** SIGTERM (Mosquitto saves its sessions), then the same config again on the same port. */
  public void restart() throws IOException, InterruptedException {
    stop();
    launch();
  }

  public void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}

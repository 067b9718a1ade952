package io.mast.runtime.peers;

import io.mast.sim.Mosquitto;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * {@code mosquitto_sub -v -F '%t %x' -t 'm/#'} writing to a file, as an outside evaluator
 * captures a run. With a client id it keeps a persistent QoS 1 session, so that it misses
 * nothing across a broker restart (Mosquitto keeps its queue).
 *
 * <p>{@link #start} returns once the subscription is live: it publishes a retained marker on a
 * topic of its own before subscribing to it too, and waits for the marker in the file. The
 * marker's lines are left out of {@link #lines} and {@link #text}.
 */
public final class Capture implements AutoCloseable {
  private static final String READY = "capture/ready";

  private final Process process;
  private final Path file;

  private Capture(Process process, Path file) {
    this.process = process;
    this.file = file;
  }

  public static Capture start(int port, Path file, String clientId) throws IOException, InterruptedException {
    String host = "127.0.0.1";
    Process pub = new ProcessBuilder(Mosquitto.client("mosquitto_pub"), "-h", host, "-p", Integer.toString(port),
        "-t", READY, "-r", "-q", "1", "-m", "ready").redirectErrorStream(true).start();
    String said = new String(pub.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!pub.waitFor(10, TimeUnit.SECONDS) || pub.exitValue() != 0) {
      throw new IOException("mosquitto_pub of the capture marker failed: " + said);
    }
    List<String> cmd = new ArrayList<>(List.of(Mosquitto.client("mosquitto_sub"), "-h", host,
        "-p", Integer.toString(port), "-v", "-F", "%t %x", "-t", "m/#", "-t", READY, "-q", "1"));
    if (clientId != null) {
      cmd.addAll(List.of("-c", "-i", clientId));
    }
    Path err = file.resolveSibling(file.getFileName() + ".err");
    Process p = new ProcessBuilder(cmd).redirectOutput(file.toFile())
        .redirectError(ProcessBuilder.Redirect.appendTo(err.toFile())).start();
    Capture capture = new Capture(p, file);
    try {
      Awaitility.await("the capture's subscription").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
          .until(() -> !p.isAlive() || Files.readString(file, StandardCharsets.UTF_8).contains(READY + " "));
    } catch (ConditionTimeoutException e) {
      capture.close();
      throw new IOException("mosquitto_sub did not receive its marker within 10 s: " + Files.readString(err), e);
    }
    if (!p.isAlive()) {
      throw new IOException("mosquitto_sub exited at start: " + Files.readString(err));
    }
    return capture;
  }

  /** Whole lines captured so far (a line still being written is left for later), without the capture's own marker. */
  public List<String> lines() throws IOException {
    String all = Files.readString(file, StandardCharsets.UTF_8);
    String whole = all.substring(0, all.lastIndexOf('\n') + 1);
    return whole.lines().filter(l -> !l.startsWith(READY + " ")).toList();
  }

  /** Waits until {@code count} lines on topics ending in {@code suffix} are there, or the timeout. */
  public boolean await(String suffix, long count, long timeoutSeconds) {
    try {
      Awaitility.await().atMost(Duration.ofSeconds(timeoutSeconds)).pollInterval(Duration.ofMillis(50))
          .until(() -> count(suffix) >= count);
      return true;
    } catch (ConditionTimeoutException e) {
      return false;
    }
  }

  /** Lines on topics ending in {@code suffix} so far. */
  public long count(String suffix) throws IOException {
    return lines().stream().filter(l -> l.split(" ", 2)[0].endsWith(suffix)).count();
  }

  public String text() throws IOException {
    StringBuilder out = new StringBuilder();
    for (String line : lines()) {
      out.append(line).append('\n');
    }
    return out.toString();
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    process.waitFor(5, TimeUnit.SECONDS);
  }
}

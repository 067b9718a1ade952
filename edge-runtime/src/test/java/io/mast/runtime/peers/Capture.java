package io.mast.runtime.peers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code mosquitto_sub -v -F '%t %x' -t 'm/#'} writing to a file, as an outside evaluator
 * captures a run. With a client id it keeps a persistent QoS 1 session, so that it misses
 * nothing across a broker restart (Mosquitto keeps its queue).
 */
public final class Capture implements AutoCloseable {
  private final Process process;
  private final Path file;

  private Capture(Process process, Path file) {
    this.process = process;
    this.file = file;
  }

  public static Capture start(int port, Path file, String clientId) throws IOException, InterruptedException {
    List<String> cmd = new java.util.ArrayList<>(List.of(Mosquitto.client("mosquitto_sub"), "-h", "127.0.0.1",
        "-p", Integer.toString(port), "-v", "-F", "%t %x", "-t", "m/#", "-q", "1"));
    if (clientId != null) {
      cmd.addAll(List.of("-c", "-i", clientId));
    }
    Process p = new ProcessBuilder(cmd).redirectOutput(file.toFile())
        .redirectError(ProcessBuilder.Redirect.appendTo(file.resolveSibling(file.getFileName() + ".err").toFile())).start();
    Thread.sleep(300); // subscribed before anything is published
    return new Capture(p, file);
  }

  /** Lines captured so far. */
  public List<String> lines() throws IOException {
    return Files.readAllLines(file, StandardCharsets.UTF_8);
  }

  /** Waits until {@code count} lines on topics ending in {@code suffix} are there, or the timeout. */
  public boolean await(String suffix, long count, long timeoutSeconds) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    while (System.nanoTime() < deadline) {
      if (lines().stream().filter(l -> l.split(" ", 2)[0].endsWith(suffix)).count() >= count) {
        return true;
      }
      Thread.sleep(50);
    }
    return false;
  }

  public String text() throws IOException {
    return Files.readString(file, StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    process.waitFor(5, TimeUnit.SECONDS);
  }
}

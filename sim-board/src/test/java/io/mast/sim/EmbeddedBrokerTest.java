package io.mast.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The embedded broker against the real Mosquitto clients, as a developer watching {@code mast run
 * --sim} uses it: several subscribers each get every payload, retained messages reach late
 * subscribers with the retain flag, a lost client's will is published.
 */
class EmbeddedBrokerTest {
  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stop() {
    processes.forEach(Process::destroyForcibly);
  }

  private static String client(String name) {
    for (String d : List.of("/usr/bin/", "/usr/local/bin/")) {
      if (Files.isExecutable(Path.of(d + name))) {
        return d + name;
      }
    }
    throw new AssertionError(name + " is not installed; install it with: sudo apt-get install mosquitto-clients (./run-tests does)");
  }

  private Process run(EmbeddedBroker b, String tool, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(client(tool), "-h", "127.0.0.1", "-p", Integer.toString(b.port())));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    processes.add(p);
    return p;
  }

  private final java.util.Map<Process, java.io.BufferedReader> subscribers = new java.util.HashMap<>();

  /**
   * Starts mosquitto_sub on {@code filter} and a probe topic, for {@code count} messages besides
   * the probe; returns once its subscriptions are live: a probe retained on its own topic before
   * it started has reached it.
   */
  private Process subscriber(EmbeddedBroker b, String filter, int count, String probeTopic, String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("-q", "1", "-t", filter, "-t", probeTopic, "-C", Integer.toString(count + 1),
        "-F", "%t %r %x"));
    args.addAll(List.of(extra));
    assertTrue(run(b, "mosquitto_pub", "-q", "1", "-r", "-t", probeTopic, "-m", "probe").waitFor(10, TimeUnit.SECONDS));
    Process sub = run(b, "mosquitto_sub", args.toArray(String[]::new));
    java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(sub.getInputStream(), StandardCharsets.UTF_8));
    org.awaitility.Awaitility.await("the subscriber's probe comes back").atMost(java.time.Duration.ofSeconds(20))
        .pollInterval(java.time.Duration.ofMillis(20)).until(out::ready);
    String line = out.readLine();
    assertEquals(probeTopic + " 1 70726f6265", line);
    subscribers.put(sub, out);
    return sub;
  }

  private List<String> lines(Process sub) throws Exception {
    assertTrue(sub.waitFor(10, TimeUnit.SECONDS), "the subscriber got all its messages");
    List<String> out = new ArrayList<>();
    for (String l; (l = subscribers.get(sub).readLine()) != null; ) {
      out.add(l);
    }
    return out;
  }

  @Test
  void everySubscriberGetsEveryPayloadWhole() throws Exception {
    try (EmbeddedBroker b = EmbeddedBroker.start(0)) {
      Process one = subscriber(b, "m/#", 2, "probe/1");
      Process two = subscriber(b, "m/+/t", 2, "probe/2");
      run(b, "mosquitto_pub", "-q", "1", "-t", "m/pole/t", "-m", "hi").waitFor(5, TimeUnit.SECONDS);
      run(b, "mosquitto_pub", "-q", "0", "-t", "m/pole/t", "-m", "again").waitFor(5, TimeUnit.SECONDS);
      assertEquals(List.of("m/pole/t 0 6869", "m/pole/t 0 616761696e"), lines(one));
      assertEquals(List.of("m/pole/t 0 6869", "m/pole/t 0 616761696e"), lines(two));
    }
  }

  @Test
  void aLateSubscriberGetsTheRetainedMessageWithItsFlagAndAnEmptyOneClearsIt() throws Exception {
    try (EmbeddedBroker b = EmbeddedBroker.start(0)) {
      run(b, "mosquitto_pub", "-q", "1", "-r", "-t", "m/pole/s", "-m", "up").waitFor(5, TimeUnit.SECONDS);
      Process late = run(b, "mosquitto_sub", "-q", "1", "-t", "m/#", "-C", "1", "-F", "%t %r %x");
      assertTrue(late.waitFor(10, TimeUnit.SECONDS));
      assertEquals("m/pole/s 1 7570", new String(late.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
      run(b, "mosquitto_pub", "-q", "1", "-r", "-t", "m/pole/s", "-n").waitFor(5, TimeUnit.SECONDS);
      // a marker retained after the clear: the next subscriber's first message is the marker, not the cleared one
      run(b, "mosquitto_pub", "-q", "1", "-r", "-t", "m/pole/z", "-m", "marker").waitFor(5, TimeUnit.SECONDS);
      Process later = run(b, "mosquitto_sub", "-q", "1", "-t", "m/#", "-C", "1", "-F", "%t %r %p");
      assertTrue(later.waitFor(10, TimeUnit.SECONDS));
      assertEquals("m/pole/z 1 marker", new String(later.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
    }
  }

  @Test
  void aClientThatDiesLeavesItsWillAndOneThatSaysGoodbyeDoesNot() throws Exception {
    try (EmbeddedBroker b = EmbeddedBroker.start(0)) {
      Process watcher = subscriber(b, "will/#", 1, "probe/w");
      Process polite = run(b, "mosquitto_pub", "-t", "x", "-m", "y", "--will-topic", "will/polite", "--will-payload", "no");
      assertTrue(polite.waitFor(10, TimeUnit.SECONDS));
      // connected for sure: its own probe came back
      Process dying = subscriber(b, "nothing", 5, "probe/d", "--will-topic", "will/dying", "--will-payload", "gone");
      dying.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      assertEquals(List.of("will/dying 0 676f6e65"), lines(watcher), "the will, and not the polite client's");
    }
  }

  @Test
  void filtersMatchAsMqttSays() {
    assertTrue(EmbeddedBroker.matches("m/#", "m/a/t"));
    assertTrue(EmbeddedBroker.matches("m/#", "m"));
    assertTrue(EmbeddedBroker.matches("m/+/t", "m/a/t"));
    assertFalse(EmbeddedBroker.matches("m/+/t", "m/a/b/t"));
    assertFalse(EmbeddedBroker.matches("#", "$SYS/x"));
    assertTrue(EmbeddedBroker.matches("m/@north/c", "m/@north/c"));
    assertFalse(EmbeddedBroker.validFilter("m/#/t"));
    assertFalse(EmbeddedBroker.validFilter("m/a+/t"));
  }
}

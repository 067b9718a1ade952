package io.mast.devkit;

import com.google.protobuf.ByteString;
import io.mast.config.model.DeviceConfig;
import io.mast.config.model.Trust;
import io.mast.config.model.TrustedKey;
import io.mast.protocol.ConfigAckMessage;
import io.mast.protocol.ConfigSetMessage;
import io.mast.protocol.Ed25519Keys;
import io.mast.protocol.SignedControl;
import io.mast.protocol.StatusMessage;
import io.mast.runtime.EdgeRuntime;
import io.mast.runtime.uplink.Link;
import io.mast.sim.EmbeddedBroker;
import io.mast.sim.LinkShaper;
import io.mast.sim.SimulatedBoard;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mast bench config}: what a config push costs a pole on an NB-IoT link. A simulated pole
 * runs in this process behind the link emulator (10 kbit/s each way, 2 s latency, 1 s jitter, as
 * {@code mast run --sim --link nbiot}, cuts only with {@code --cuts}); the platform's client talks
 * to the broker directly, as a data centre does. Each push is signed, published retained, and
 * timed until the pole's acknowledgement reaches the platform ({@code push_to_ack_ms}) and until
 * its birth status says the config is confirmed. The bytes the link carried each way over that
 * exchange are the push's cost on the air: the PUBLISH of the push and its PUBACK, the
 * acknowledgement and its PUBACK, the retained status (twice: unconfirmed, then confirmed) and,
 * when the channels change, the retained profile. Batch window and heartbeat are set to a day, so
 * no telemetry shares the link during the measurement. Two kinds alternate: an alarm threshold
 * alone, and a sampling interval with a threshold (a new profile).
 */
@Command(name = "config", mixinStandardHelpOptions = true,
    description = {"Measure config pushes over the emulated NB-IoT link: push_to_ack_ms and bytes on the air per push.",
        "Example: mast bench config --pushes 10"})
final class ConfigBench implements Callable<Integer> {
  @Option(names = "--pushes", defaultValue = "10", paramLabel = "N", description = "Pushes of each kind (default: ${DEFAULT-VALUE}).")
  int pushes;

  @Option(names = "--cuts", description = "Cut the emulated link every 10 min on average, as in the field (default: no cuts, steadier figures).")
  boolean cuts;

  private final PrintStream out = System.out;

  private record Sample(long ackMs, long confirmedMs, long down, long up) {}

  @Override
  public Integer call() throws Exception {
    Path work = Files.createTempDirectory("mast-bench-config-");
    List<AutoCloseable> open = new ArrayList<>();
    try {
      EmbeddedBroker broker = EmbeddedBroker.start(0);
      open.add(broker);
      LinkShaper.Builder b = LinkShaper.to("127.0.0.1", broker.port()).bitsPerSecond(10_000).latency(Duration.ofSeconds(2))
          .jitter(Duration.ofSeconds(1)).seed(7);
      if (cuts) {
        b.meanTimeBetweenCuts(Duration.ofMinutes(10));
      }
      LinkShaper link = b.start(0);
      open.add(0, link);
      KeyPair key = Ed25519Keys.generate();
      DeviceConfig v1 = config(link.uri(), key);
      SimulatedBoard board = SimulatedBoard.start(v1, SimulatedBoard.Transport.IN_PROCESS, null);
      open.add(0, board);
      EdgeRuntime pole = EdgeRuntime.start(new EdgeRuntime.Options(v1, v1.getIdentity().getDeviceId(), List.of(), work, board, null,
          null, 0, -1, "bench"));
      open.add(0, pole);
      waitFor(() -> pole.link().state() == Link.State.CONNECTED, 120, "the pole to connect through the emulated link");

      BlockingQueue<ConfigAckMessage> acks = new LinkedBlockingQueue<>();
      List<StatusMessage> statuses = Collections.synchronizedList(new ArrayList<>());
      MqttClient platform = new MqttClient(broker.uri(), "bench-platform", new MemoryPersistence());
      MqttConnectOptions o = new MqttConnectOptions();
      o.setCleanSession(true);
      platform.connect(o);
      platform.subscribe("m/bench-pole/ca", 1, (t, m) -> acks.add(ConfigAckMessage.parse(m.getPayload())));
      platform.subscribe("m/bench-pole/s", 1, (t, m) -> statuses.add(StatusMessage.parse(m.getPayload())));
      waitFor(() -> !statuses.isEmpty(), 60, "the pole's birth status");

      List<Sample> thresholdOnly = new ArrayList<>();
      List<Sample> withProfile = new ArrayList<>();
      DeviceConfig current = v1;
      long version = 1;
      for (int i = 0; i < 2 * pushes; i++) {
        boolean newProfile = i % 2 == 1;
        DeviceConfig.Builder next = current.toBuilder().setVersion(++version)
            .setAlarms(0, current.getAlarms(0).toBuilder().setAbove(current.getAlarms(0).getAbove() == 50 ? 40 : 50));
        if (newProfile) {
          next.setSensors(0, current.getSensors(0).toBuilder().setIntervalS(current.getSensors(0).getIntervalS() == 10 ? 20 : 10));
        }
        current = next.build();
        long now = Instant.now().getEpochSecond();
        byte[] push = SignedControl.sign(SignedControl.Type.CONFIG_SET, "bench-pole", now - 60, now + 3600,
            new ConfigSetMessage(version, current.toByteArray(), 0).toBytes(), "bench", key.getPrivate());
        LinkShaper.Stats before = link.stats();
        long start = System.nanoTime();
        platform.publish("m/bench-pole/c", push, 1, true);
        ConfigAckMessage ack = acks.poll(300, TimeUnit.SECONDS);
        long ackNanos = System.nanoTime() - start;
        if (ack == null || ack.result() != ConfigAckMessage.Result.APPLIED || ack.version() != version) {
          out.println("mast bench config: push " + version + " was answered " + ack + "; stopping");
          return 1;
        }
        long v = version;
        waitFor(() -> {
          synchronized (statuses) {
            StatusMessage s = statuses.get(statuses.size() - 1);
            return s.configVersion() == v && s.configConfirmed();
          }
        }, 120, "the confirmed status of version " + v);
        long confirmedNanos = System.nanoTime() - start;
        LinkShaper.Stats after = link.stats();
        (newProfile ? withProfile : thresholdOnly).add(new Sample(TimeUnit.NANOSECONDS.toMillis(ackNanos),
            TimeUnit.NANOSECONDS.toMillis(confirmedNanos), after.bytesDown() - before.bytesDown(), after.bytesUp() - before.bytesUp()));
        if (i == 0) {
          out.println("push_bytes=" + push.length + " config_bytes=" + current.toByteArray().length);
        }
      }
      report("threshold", thresholdOnly);
      report("interval_and_threshold", withProfile);
      out.println("link=nbiot bits_per_s=10000 latency_ms=2000 jitter_ms=1000 cuts=" + (cuts ? "every_10_min" : "none")
          + " link_cuts_seen=" + link.stats().cuts());
      platform.disconnect();
      platform.close();
      return 0;
    } finally {
      for (AutoCloseable c : open) {
        c.close();
      }
      WorkDirs.delete(work);
    }
  }

  private void report(String kind, List<Sample> samples) {
    List<Long> ack = samples.stream().map(Sample::ackMs).sorted().toList();
    List<Long> confirmed = samples.stream().map(Sample::confirmedMs).sorted().toList();
    out.println("kind=" + kind + " pushes=" + samples.size()
        + " push_to_ack_ms_p50=" + ack.get(ack.size() / 2) + " push_to_ack_ms_max=" + ack.get(ack.size() - 1)
        + " push_to_confirmed_ms_p50=" + confirmed.get(confirmed.size() / 2)
        + " air_bytes_down_per_push=" + Math.round(samples.stream().mapToLong(Sample::down).average().orElse(0))
        + " air_bytes_up_per_push=" + Math.round(samples.stream().mapToLong(Sample::up).average().orElse(0)));
  }

  /** The simulated bench pole on {@code broker}, trusting {@code key} as "bench", quiet: a day's batch window and heartbeat. */
  static DeviceConfig config(String broker, KeyPair key) throws Exception {
    DeviceConfig base = SimulatedBoard.exampleConfig();
    return base.toBuilder().setIdentity(base.getIdentity().toBuilder().setDeviceId("bench-pole"))
        .setUplink(base.getUplink().toBuilder().clearBrokerUris().addBrokerUris(broker).setBatchWindowS(86_400).setHealthIntervalS(86_400))
        .setTrust(Trust.newBuilder().addKeys(TrustedKey.newBuilder().setKeyId("bench")
            .setEd25519Public(ByteString.copyFrom(Ed25519Keys.raw(key.getPublic())))))
        .build();
  }

  interface Condition {
    boolean holds() throws Exception;
  }

  static void waitFor(Condition c, int seconds, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!c.holds()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("waited " + seconds + " s for " + what);
      }
      Thread.sleep(20); // a benchmark's polling, not a test's wait
    }
  }
}

package io.mast.tools;

import io.mast.protocol.ConfigAckMessage;
import io.mast.protocol.ConfigAckMessage.Result;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.StatusMessage;
import io.mast.protocol.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mast config sign} and {@code mast config push}: the platform's side of config over MQTT.
 * A push is validated first (every error, nothing sent), signed, published retained on the
 * pole's or the group's {@code c} topic, and answered by each pole on its {@code ca} topic.
 */
final class ConfigPush {
  /** Exit statuses of {@code config push}: like diff(1), 0 is the one good outcome. */
  static final int APPLIED = 0;
  static final int REFUSED = 1;
  static final int REVERTED = 3;
  static final int NO_ANSWER = 4;

  private ConfigPush() {}

  @Command(name = "sign", mixinStandardHelpOptions = true,
      description = {"Validate a config and sign it as a push (SignedEnvelope of CONFIG_SET), for a platform that publishes",
          "through its own MQTT client: publish the file retained at QoS 1 on the topic printed. Exit 1 with every problem.",
          "Example: mast config sign --device pole-17 --key keys/ops.pem --key-id ops-2027 --out push.bin pole-17.json"})
  static final class Sign implements Callable<Integer> {
    @Mixin
    SignOptions sign;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where the signed push (binary) goes.")
    Path out;

    @Override
    public Integer call() throws IOException {
      SignOptions.Signed s;
      try {
        s = sign.sign(Instant.now());
      } catch (SignOptions.Refused e) {
        e.problems.forEach(System.out::println);
        return REFUSED;
      }
      Files.write(out, s.envelope());
      System.out.println("signed version " + Long.toUnsignedString(s.version()) + " for " + s.target() + ": " + out + " ("
          + s.envelope().length + " bytes); publish it retained at QoS 1 on " + s.topic());
      return 0;
    }
  }

  @Command(name = "push", mixinStandardHelpOptions = true,
      description = {"Validate, sign and publish a config (retained) to a pole or a group, then wait for the answers:",
          "applied (with what changed; to one pole, then confirmed), rejected (with every reason) or reverted (with why).",
          "Exit 0 applied by every pole that answered (one pole: and confirmed), 1 rejected or invalid (nothing sent), 3 reverted,",
          "4 no answer (or no confirmation) in time.",
          "A rejected or reverted push to one pole is cleared from the broker, so the pole is not asked again.",
          "Example: mast config push --broker tcp://127.0.0.1:1883 --device sim-pole-1 --key keys/dev.pem --key-id dev pole.json"})
  static final class Push implements Callable<Integer> {
    @Mixin
    SignOptions sign;

    @Mixin
    BrokerOptions mqtt;

    @Option(names = "--timeout", defaultValue = "120", paramLabel = "S",
        description = "Seconds to wait for answers (default ${DEFAULT-VALUE}); over NB-IoT a pole answers in seconds to minutes.")
    int timeoutS;

    @Option(names = "--expect", paramLabel = "N", description = "For a group: stop waiting once N poles answered.")
    Integer expect;

    @Override
    public Integer call() throws IOException, InterruptedException {
      String refused = mqtt.refusal();
      if (refused != null) {
        System.err.println("mast config push: " + refused);
        return 2;
      }
      SignOptions.Signed s;
      try {
        s = sign.sign(Instant.now());
      } catch (SignOptions.Refused e) {
        e.problems.forEach(System.out::println);
        System.out.println("nothing was sent");
        return REFUSED;
      }
      Topics topics = Topics.withPrefix(sign.prefix);
      String ackFilter = sign.toGroup() ? topics.filter(Topics.Kind.CONFIG_ACK) : topics.topic(sign.target.device, Topics.Kind.CONFIG_ACK);
      BlockingQueue<Answer> answers = new LinkedBlockingQueue<>();
      MqttClient client;
      try {
        client = mqtt.connect("mast-push-");
        client.subscribe(ackFilter, 1, (topic, m) -> topics.parse(topic).ifPresent(p -> answers.add(new Answer(p.device(), m.getPayload(), false))));
        if (!sign.toGroup()) {
          // the pole's status says when the config it applied is confirmed (its link guard reverts it otherwise)
          client.subscribe(topics.topic(sign.target.device, Topics.Kind.STATUS), 1,
              (topic, m) -> answers.add(new Answer(sign.target.device, m.getPayload(), true)));
        }
        client.publish(s.topic(), s.envelope(), 1, true);
      } catch (MqttException e) {
        System.err.println("mast config push: " + mqtt.broker + ": " + BrokerOptions.describe(e));
        return NO_ANSWER;
      }
      System.out.println("pushed version " + Long.toUnsignedString(s.version()) + " to " + s.target() + " (" + s.envelope().length
          + " bytes, retained on " + s.topic() + "); waiting up to " + timeoutS + " s for answers");
      try {
        int status = sign.toGroup() ? awaitGroup(answers, s.version()) : awaitOne(answers, s.version(), client, s.topic());
        client.disconnect();
        return status;
      } catch (MqttException e) {
        System.err.println("mast config push: " + mqtt.broker + ": " + BrokerOptions.describe(e));
        return NO_ANSWER;
      } finally {
        try {
          client.close(true);
        } catch (MqttException e) {
          // closing a client that failed: nothing left to free
        }
      }
    }

    /** An ack on {@code ca}, or with {@code status} the pole's status on {@code s}. */
    private record Answer(String device, byte[] payload, boolean status) {}

    /**
     * The answer of one pole: the first ack of this version (or a refusal of the envelope itself);
     * after an {@code APPLIED}, the pole's confirmation (its status naming the version confirmed)
     * or its {@code REVERTED}: an applied config whose acknowledgement the pole did not see the
     * broker take within the grace is reverted, though the platform may have read it applied.
     */
    private int awaitOne(BlockingQueue<Answer> answers, long version, MqttClient client, String topic)
        throws InterruptedException, MqttException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutS);
      boolean applied = false;
      while (true) {
        Answer a = answers.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (a == null) {
          System.out.println(applied ? sign.target.device + " applied version " + Long.toUnsignedString(version) + " and did not confirm it in "
              + timeoutS + " s: its link guard reverts it unless it reaches the broker within the grace"
              : "no answer from " + sign.target.device + " in " + timeoutS + " s; the push stays retained and the pole "
              + "takes it when it connects");
          return NO_ANSWER;
        }
        if (a.status()) {
          if (applied && confirms(a.payload(), version)) {
            System.out.println(a.device() + ": version " + Long.toUnsignedString(version) + " confirmed");
            return APPLIED;
          }
          continue;
        }
        ConfigAckMessage ack = parse(a);
        if (ack == null || !answers(ack, version) || applied && ack.result() != Result.REVERTED) {
          continue;
        }
        System.out.println(line(a.device(), ack));
        if (ack.result() == Result.APPLIED) {
          applied = true;
          System.out.println("waiting for " + a.device() + " to confirm it (its link guard reverts it if it cannot reach the broker)");
          continue;
        }
        client.publish(topic, new byte[0], 1, true);
        System.out.println("the retained push was cleared, so the pole is not asked again");
        return ack.result() == Result.REVERTED ? REVERTED : REFUSED;
      }
    }

    /**
     * The answers of a group's poles until the timeout or --expect, each pole's latest counting,
     * except that a REVERTED is not replaced by the refusal of the retained push it meets again.
     */
    private int awaitGroup(BlockingQueue<Answer> answers, long version) throws InterruptedException {
      long start = System.nanoTime();
      long deadline = start + TimeUnit.SECONDS.toNanos(timeoutS);
      long lastAnswer = start;
      Map<String, Result> latest = new LinkedHashMap<>();
      boolean terminal = System.console() != null;
      while (expect == null || latest.size() < expect) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        Answer a = answers.poll(Math.min(left, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS);
        ConfigAckMessage ack = a == null ? null : parse(a);
        if (ack != null && answers(ack, version)) {
          // a pole that reverted meets the retained push again when it reconnects and refuses it
          // as taken already: its outcome stays REVERTED
          if (!(ack.result() == Result.REJECTED && latest.get(a.device()) == Result.REVERTED)) {
            latest.put(a.device(), ack.result());
          }
          lastAnswer = System.nanoTime();
          System.out.println((terminal ? "\r\033[K" : "") + line(a.device(), ack));
        }
        if (terminal) {
          System.out.print("\r\033[K" + count(latest) + ", " + TimeUnit.NANOSECONDS.toSeconds(Math.max(0, deadline - System.nanoTime())) + " s left");
          System.out.flush();
        }
      }
      System.out.println((terminal ? "\r\033[K" : "") + count(latest) + String.format(java.util.Locale.ROOT, ", the last %.1f s after the push",
          (lastAnswer - start) / 1e9) + (expect != null && latest.size() < expect
          ? "; " + (expect - latest.size()) + " of the " + expect + " expected did not answer in " + timeoutS + " s" : ""));
      if (latest.isEmpty()) {
        return NO_ANSWER;
      }
      if (latest.containsValue(Result.REVERTED)) {
        return REVERTED;
      }
      return latest.containsValue(Result.REJECTED) ? REFUSED : APPLIED;
    }

    private static String count(Map<String, Result> latest) {
      long applied = latest.values().stream().filter(r -> r == Result.APPLIED).count();
      long rejected = latest.values().stream().filter(r -> r == Result.REJECTED).count();
      long reverted = latest.values().stream().filter(r -> r == Result.REVERTED).count();
      return latest.size() + (latest.size() == 1 ? " pole" : " poles") + " answered: " + applied + " applied, " + rejected
          + " rejected, " + reverted + " reverted";
    }

    /** Whether a status payload says {@code version} is in force and confirmed. */
    private static boolean confirms(byte[] payload, long version) {
      try {
        StatusMessage s = StatusMessage.parse(payload);
        return s.configVersion() == version && s.configConfirmed();
      } catch (FrameFormatException e) {
        return false;
      }
    }

    /** An ack of this version, or a refusal of the envelope (version 0: the pole could not read one). */
    private static boolean answers(ConfigAckMessage ack, long version) {
      return ConfigAckMessage.PLATFORM.equals(ack.origin()) && (ack.version() == version || ack.version() == 0 && ack.result() == Result.REJECTED);
    }

    private static ConfigAckMessage parse(Answer a) {
      try {
        return ConfigAckMessage.parse(a.payload());
      } catch (FrameFormatException e) {
        System.out.println(a.device() + ": an answer that is no config ack (" + a.payload().length + " bytes): " + e.getMessage());
        return null;
      }
    }

    static String line(String device, ConfigAckMessage ack) {
      String head = device + ": " + ack.result() + (ack.version() == 0 ? " (the pole could not read the push)" : " version "
          + Long.toUnsignedString(ack.version())) + ", active " + Long.toUnsignedString(ack.activeVersion());
      StringBuilder b = new StringBuilder(head);
      if (!ack.changed().isEmpty()) {
        b.append("\n  changed: ").append(String.join(", ", ack.changed()));
      }
      ack.errors().forEach(e -> b.append("\n  ").append(e));
      ack.warnings().forEach(w -> b.append("\n  warning: ").append(w));
      return b.toString();
    }
  }
}

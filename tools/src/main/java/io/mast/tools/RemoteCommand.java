package io.mast.tools;

import io.mast.protocol.ConsoleMessages;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.SignedControl;
import io.mast.protocol.Topics;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mast remote}: one console command line run on a pole over MQTT, signed with a platform
 * key (a {@code CONSOLE_COMMAND} envelope on {@code m/ID/x}), its output printed from the
 * reply on {@code m/ID/xr}. The command id is the time in milliseconds, which the pole requires
 * to rise for changes.
 */
@Command(name = "remote", mixinStandardHelpOptions = true,
    description = {"Run a console command on a pole over MQTT, signed with a platform key, and print its reply.",
        "Reading commands run for any key the pole trusts; changes only for a key with console_changes.",
        "Exit: the command's status (0 done, 2 usage, 3 not allowed), 1 refused by the pole, 4 no answer in time.",
        "Example: mast remote --broker tcp://127.0.0.1:1883 --device sim-pole-1 --key keys/dev.pem --key-id dev status"})
final class RemoteCommand implements Callable<Integer> {
  static final int NO_ANSWER = 4;

  @Mixin
  BrokerOptions mqtt;

  @Option(names = "--device", required = true, paramLabel = "ID", description = "The pole, by device id.")
  String device;

  @Option(names = "--key", required = true, paramLabel = "KEY.pem", description = "The Ed25519 private key (PEM) to sign with.")
  Path key;

  @Option(names = "--key-id", required = true, paramLabel = "ID", description = "The id the pole trusts that key under (trust.keys).")
  String keyId;

  @Option(names = "--expires", paramLabel = "DURATION", defaultValue = "5m",
      description = "How long the command stays valid (default ${DEFAULT-VALUE}): a pole offline longer never runs it.")
  String expires;

  @Option(names = "--timeout", defaultValue = "60", paramLabel = "S", description = "Seconds to wait for the reply (default ${DEFAULT-VALUE}).")
  int timeoutS;

  @Option(names = "--topic-prefix", defaultValue = Topics.DEFAULT_PREFIX, paramLabel = "PREFIX",
      description = "The pole's topic prefix (uplink.topic_prefix), default ${DEFAULT-VALUE}.")
  String prefix;

  @Parameters(arity = "1..*", paramLabel = "WORD", description = "The command line, e.g. status or config get uplink.batch_window_s.")
  List<String> words;

  @Override
  public Integer call() throws IOException, InterruptedException {
    List<String> problems = new ArrayList<>();
    String refused = mqtt.refusal();
    if (refused != null) {
      problems.add(refused);
    }
    Duration life = SignOptions.duration(expires, problems);
    PrivateKey privateKey = SignOptions.privateKey(key, problems);
    String line = String.join(" ", words);
    long id = System.currentTimeMillis();
    Topics topics;
    try {
      topics = Topics.withPrefix(prefix);
      topics.topic(device, Topics.Kind.CONSOLE_COMMAND);
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
      topics = null;
    }
    byte[] envelope = null;
    if (problems.isEmpty()) {
      try {
        ConsoleMessages.Command command = ConsoleMessages.Command.parse(new ConsoleMessages.Command(id, line).toBytes());
        long now = Instant.now().getEpochSecond();
        envelope = SignedControl.sign(SignedControl.Type.CONSOLE_COMMAND, device, now, now + life.toSeconds(), command.toBytes(),
            keyId, privateKey);
      } catch (FrameFormatException | GeneralSecurityException e) {
        problems.add(e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      problems.forEach(p -> System.err.println("mast remote: " + p));
      return 2;
    }
    BlockingQueue<byte[]> replies = new LinkedBlockingQueue<>();
    MqttClient client;
    try {
      client = mqtt.connect("mast-remote-");
      client.subscribe(topics.topic(device, Topics.Kind.CONSOLE_REPLY), 1, (t, m) -> replies.add(m.getPayload()));
      client.publish(topics.topic(device, Topics.Kind.CONSOLE_COMMAND), envelope, 1, false);
    } catch (MqttException e) {
      System.err.println("mast remote: " + mqtt.broker + ": " + BrokerOptions.describe(e));
      return NO_ANSWER;
    }
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutS);
      while (true) {
        byte[] payload = replies.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (payload == null) {
          System.err.println("mast remote: no reply from " + device + " in " + timeoutS + " s (the command is not kept: send it again)");
          return NO_ANSWER;
        }
        ConsoleMessages.Reply r;
        try {
          r = ConsoleMessages.Reply.parse(payload);
        } catch (FrameFormatException e) {
          continue;
        }
        // a refusal of the envelope carries no id: the pole could not trust one
        if (r.id() == id || r.id() == 0 && r.status() < 0) {
          System.out.print(r.output());
          return r.status() < 0 ? 1 : r.status();
        }
      }
    } finally {
      try {
        client.disconnect();
        client.close(true);
      } catch (MqttException e) {
        // closing: nothing left to free
      }
    }
  }
}

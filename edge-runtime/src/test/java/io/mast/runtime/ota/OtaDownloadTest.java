package io.mast.runtime.ota;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.ota.BootState;
import io.mast.ota.Packer;
import io.mast.protocol.Ed25519Keys;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.OtaManifestMessage;
import io.mast.protocol.OtaMessages;
import io.mast.protocol.SignedControl;
import io.mast.runtime.console.Pole;
import io.mast.seams.DurableFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OTA download of a simulated pole against a real Mosquitto: an offer verified and
 * refused with its reason when it must be, the chunks the running slot lacks asked for with a
 * window and served by a chunk server on {@code od}, garbage from that server refused and asked
 * again, the bundle staged into the other slot and set as the launcher's trial.
 */
class OtaDownloadTest {
  @TempDir
  Path dir;

  private Pole pole;
  private ChunkServer server;

  @AfterEach
  void closeAll() throws Exception {
    if (server != null) {
      server.close();
    }
    if (pole != null) {
      pole.close();
    }
  }

  /** A distribution of four files of text, one of them changed from {@code changed} on. */
  private Path dist(String name, boolean changed) throws IOException {
    Path d = dir.resolve(name);
    Files.createDirectories(d.resolve("lib"));
    for (int j = 0; j < 4; j++) {
      Random r = new Random(j);
      StringBuilder b = new StringBuilder();
      for (int k = 0; k < 30_000; k++) {
        b.append("w").append(r.nextInt(100_000)).append(' ');
        if (changed && j == 2 && k == 15_000) {
          b.append("a patched method ");
        }
      }
      Files.writeString(d.resolve("lib").resolve("part" + j + ".jar"), b);
    }
    Files.createDirectories(d.resolve("bin"));
    Files.writeString(d.resolve("bin/mast"), "#!/bin/sh\nexit 0\n");
    return d;
  }

  private record Offer(byte[] envelope, Packer.Packed packed) {}

  private Offer offer(Path dist, String version, long counter, String target, long issued) throws Exception {
    Packer.Packed p = Packer.pack(dist, new Packer.Release(version, counter, target, 17, issued + 86_400, ""));
    PrivateKey key = pole.platform.key.getPrivate();
    byte[] envelope = SignedControl.sign(SignedControl.Type.OTA_MANIFEST, Pole.ID, issued, issued + 86_400, p.manifest().toBytes(),
        pole.platform.keyId, key);
    return new Offer(envelope, p);
  }

  /** The platform's side of the chunks: answers each request on od, from the packed bundle. */
  private static final class ChunkServer implements AutoCloseable {
    final MqttClient client;
    final AtomicLong bytesServed = new AtomicLong();
    final List<Integer> served = Collections.synchronizedList(new ArrayList<>());
    volatile Packer.Packed packed;
    volatile int garbageLeft;

    ChunkServer(String uri) throws Exception {
      client = new MqttClient(uri, "chunk-server-" + System.nanoTime(), new MemoryPersistence());
      MqttConnectOptions o = new MqttConnectOptions();
      o.setMaxInflight(1000);
      client.connect(o);
      client.subscribe("m/+/oc", 1, (topic, message) -> {
        OtaMessages.ChunkRequest r = OtaMessages.ChunkRequest.parse(message.getPayload());
        String od = topic.substring(0, topic.length() - 2) + "od";
        for (int i : r.chunks()) {
          byte[] data = packed.chunks().get(i);
          if (garbageLeft > 0) {
            garbageLeft--;
            data = data.clone();
            data[0] ^= 0x55;
          }
          served.add(i);
          bytesServed.addAndGet(data.length);
          byte[] payload = new OtaMessages.ChunkData(packed.manifest().bundleSha256(), i, data).toBytes();
          new Thread(() -> {
            try {
              client.publish(od, payload, 1, false);
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          }).start();
        }
      });
    }

    @Override
    public void close() throws Exception {
      if (client.isConnected()) {
        client.disconnect();
      }
      client.close();
    }
  }

  private List<OtaMessages.Status> statuses() throws FrameFormatException {
    List<OtaMessages.Status> out = new ArrayList<>();
    for (byte[] p : pole.platform.payloads("m/" + Pole.ID + "/os")) {
      out.add(OtaMessages.Status.parse(p));
    }
    return out;
  }

  private OtaMessages.Status awaitStatus(OtaMessages.State state) {
    OtaMessages.Status[] found = new OtaMessages.Status[1];
    Awaitility.await("an OTA status " + state).atMost(Duration.ofSeconds(60)).until(() -> {
      for (OtaMessages.Status s : statuses()) {
        if (s.state() == state) {
          found[0] = s;
          return true;
        }
      }
      return false;
    });
    return found[0];
  }

  /** The slot layout of a pole installed with {@code v1} in slot a. */
  private Path slots(Path v1) throws IOException {
    Path root = dir.resolve("root");
    Path a = root.resolve("slots/a");
    Files.createDirectories(a);
    try (var walk = Files.walk(v1)) {
      for (Path p : walk.toList()) {
        Path to = a.resolve(v1.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(to);
        } else {
          Files.copy(p, to);
        }
      }
    }
    BootState.initial().write(DurableFiles.real(), root);
    return root;
  }

  @Test
  void onlyTheChangedChunksTravelAndTheBundleIsStagedAsTheTrialSlot() throws Exception {
    pole = new Pole(dir).started();
    Path v1 = dist("v1", false);
    Path root = slots(v1);
    server = new ChunkServer(pole.mosquitto.uri());
    OtaAgent agent = pole.runtime.startOta(root);
    Offer v2 = offer(dist("v2", true), "2.0.0", 2, "sim", Instant.now().getEpochSecond());
    server.packed = v2.packed();
    server.garbageLeft = 1; // the first chunk served is damaged on the way
    pole.platform.publish("m/" + Pole.ID + "/o", v2.envelope(), true);
    awaitStatus(OtaMessages.State.INSTALLED);
    OtaManifestMessage m = v2.packed().manifest();
    assertTrue(server.bytesServed.get() < m.totalSize() * 0.10, "only what changed travelled: " + server.bytesServed.get()
        + " of " + m.totalSize() + " bytes");
    assertTrue(server.served.size() >= 2, "the damaged chunk was asked again: " + server.served);
    for (OtaManifestMessage.File f : m.files()) {
      assertArrayEquals(Files.readAllBytes(dir.resolve("v2").resolve(f.path())), Files.readAllBytes(root.resolve("slots/b").resolve(f.path())),
          f.path());
    }
    assertEquals(new BootState("a", "b", 0, "installed:b:2.0.0"), BootState.read(DurableFiles.real(), root));
    assertTrue(pole.runtime.restartRequested().isDone(), "the runtime is asked to restart into it");
    List<OtaMessages.State> seen = statuses().stream().map(OtaMessages.Status::state).toList();
    assertEquals(List.of(OtaMessages.State.OFFERED, OtaMessages.State.DOWNLOADING), seen.subList(0, 2), seen.toString());
    assertTrue(seen.indexOf(OtaMessages.State.VERIFIED) < seen.indexOf(OtaMessages.State.INSTALLED), seen.toString());
    assertEquals(0, agent.dropped());
  }

  @Test
  void anOfferIsRefusedWithItsReasonForAnotherBoardAForgedSignatureOrAnOldIssueTime() throws Exception {
    pole = new Pole(dir).started();
    OtaAgent agent = pole.runtime.startOta(null);
    long now = Instant.now().getEpochSecond();
    Path v1 = dist("v1", false);
    String o = "m/" + Pole.ID + "/o";

    pole.platform.publish(o, offer(v1, "1.0.0", 1, "pi", now).envelope(), false);
    OtaMessages.Status board = awaitStatus(OtaMessages.State.REFUSED);
    assertEquals("target 'pi' is not this pole's board 'sim'", board.detail());

    byte[] forged = offer(v1, "1.0.1", 1, "sim", now).envelope();
    forged[forged.length - 3] ^= 1;
    pole.platform.publish(o, forged, false);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> statuses().size() >= 2);
    assertTrue(statuses().get(1).detail().contains("does not verify under key 'ops-1'"), statuses().get(1).toString());

    PrivateKey stranger = Ed25519Keys.generate().getPrivate();
    Packer.Packed p = Packer.pack(v1, new Packer.Release("1.0.2", 1, "sim", 17, now + 600, ""));
    pole.platform.publish(o, SignedControl.sign(SignedControl.Type.OTA_MANIFEST, Pole.ID, now, now + 600, p.manifest().toBytes(), "nobody",
        stranger), false);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> statuses().size() >= 3);
    assertTrue(statuses().get(2).detail().contains("key id 'nobody' is not trusted"), statuses().get(2).toString());

    // a good offer is taken (verified, not installed: no launcher here), then an older one is a replay
    pole.platform.publish(o, offer(v1, "1.1.0", 3, "sim", now).envelope(), false);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> statuses().stream().anyMatch(s -> s.state() == OtaMessages.State.OFFERED));
    pole.platform.publish(o, offer(dist("v0", true), "1.0.9", 3, "sim", now - 60).envelope(), false);
    Awaitility.await().atMost(Duration.ofSeconds(30))
        .until(() -> statuses().stream().anyMatch(s -> s.detail().startsWith("an old offer replayed")));
    assertTrue(agent.handled() > 0);
    assertTrue(new String(pole.platform.payloads("m/" + Pole.ID + "/os").get(0), StandardCharsets.UTF_8).contains("pi"));
  }

  /** The download of {@code v2} over a pole on {@code v1} in slot a, up to INSTALLED; returns the slot root. */
  private Path installed(Offer[] offered) throws Exception {
    Path root = slots(dist("v1", false));
    server = new ChunkServer(pole.mosquitto.uri());
    pole.runtime.startOta(root, "a", OtaAgent.TRIAL_DEADLINE);
    Offer v2 = offer(dist("v2", true), "2.0.0", 2, "sim", Instant.now().getEpochSecond());
    server.packed = v2.packed();
    pole.platform.publish("m/" + Pole.ID + "/o", v2.envelope(), true);
    awaitStatus(OtaMessages.State.INSTALLED);
    offered[0] = v2;
    return root;
  }

  @Test
  void aTrialStartThatProvesHealthyCommitsAndRaisesTheCounterFloor() throws Exception {
    pole = new Pole(dir).started();
    Offer[] v2 = new Offer[1];
    Path root = installed(v2);
    // the launcher starts slot b on trial
    new BootState("a", "b", 1, "installed:b:2.0.0").write(DurableFiles.real(), root);
    pole.restart();
    OtaAgent agent = pole.runtime.startOta(root, "b", Duration.ofSeconds(60));
    OtaMessages.Status committed = awaitStatus(OtaMessages.State.COMMITTED);
    assertEquals("2.0.0", committed.version());
    assertEquals(new BootState("b", "", 0, "committed:b:2.0.0"), BootState.read(DurableFiles.real(), root));
    assertEquals(2, agent.counterFloor());
    io.mast.runtime.console.Shell.Result shown = pole.runtime.console().shell().run(new io.mast.runtime.console.Shell.Caller() {
      final io.mast.runtime.console.Shell.Staged staged = new io.mast.runtime.console.Shell.Staged();

      @Override
      public String who() {
        return "test";
      }

      @Override
      public boolean mayChange() {
        return false;
      }

      @Override
      public String howToChange() {
        return "";
      }

      @Override
      public boolean interactive() {
        return false;
      }

      @Override
      public io.mast.runtime.console.Shell.Staged staged() {
        return staged;
      }
    }, "ota status");
    assertEquals(0, shown.status(), shown.lines().toString());
    assertEquals("slots     running b, active b; last: committed:b:2.0.0", shown.lines().get(0));
    assertEquals("floor     security counter 2, installed 2.0.0", shown.lines().get(3));
    // the retained offer of the committed bundle, seen again at the next connect, is not taken again
    int before = statuses().size();
    pole.platform.publish("m/" + Pole.ID + "/o", v2[0].envelope(), true);
    // a marker after it on the same topic, which is answered: once its answer is here, the offer was handled
    pole.platform.publish("m/" + Pole.ID + "/o", new byte[] {0x0a, 0x01, 0x00}, false);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> statuses().size() > before);
    assertEquals(1, statuses().size() - before, "only the marker's answer: " + statuses());
    assertTrue(statuses().get(before).detail().startsWith("not a signed envelope") || statuses().get(before).state() == OtaMessages.State.REFUSED,
        statuses().toString());
    // a downgrade is refused: counter 1 is below the floor 2
    pole.platform.publish("m/" + Pole.ID + "/o", offer(dist("v0", false), "1.9.0", 1, "sim", Instant.now().getEpochSecond() + 1)
        .envelope(), false);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> statuses().stream().anyMatch(x -> x.detail().startsWith("downgrade")));
    assertTrue(statuses().stream().anyMatch(x -> x.detail().equals("downgrade: security counter 1 is below this pole's floor 2")),
        statuses().toString());
  }

  @Test
  void aTrialWithoutTheBrokerStopsAtItsDeadlineAndTheLaunchersRollbackIsReportedOnceAndNeverRetried() throws Exception {
    pole = new Pole(dir).started();
    Offer[] v2 = new Offer[1];
    Path root = installed(v2);
    new BootState("a", "b", 1, "installed:b:2.0.0").write(DurableFiles.real(), root);
    pole.restart();
    pole.mosquitto.stop();
    pole.runtime.startOta(root, "b", Duration.ofSeconds(3));
    Awaitility.await("the trial gives up at its deadline").atMost(Duration.ofSeconds(30)).until(() -> pole.runtime.restartRequested().isDone());
    assertTrue(pole.runtime.restartRequested().get().contains("no report acknowledged by the broker"), pole.runtime.restartRequested().get());
    assertEquals("b", BootState.read(DurableFiles.real(), root).trial(), "not committed");
    // the launcher gave up on slot b after its tries; slot a runs again with the link back
    pole.mosquitto.restart();
    pole.platform.reconnect();
    new BootState("a", "", 0, "rolled_back:b:3 starts without a commit").write(DurableFiles.real(), root);
    pole.restart();
    pole.runtime.startOta(root, "a", OtaAgent.TRIAL_DEADLINE);
    OtaMessages.Status back = awaitStatus(OtaMessages.State.ROLLED_BACK);
    assertEquals("2.0.0", back.version());
    assertEquals("slot b:3 starts without a commit", back.detail());
    Awaitility.await("the outcome cleared once reported").atMost(Duration.ofSeconds(30))
        .until(() -> BootState.read(DurableFiles.real(), root).last().isEmpty());
    // the same bundle offered again is not taken: no loop
    pole.platform.publish("m/" + Pole.ID + "/o", offer(dist("v2b", true), "2.0.0", 2, "sim", Instant.now().getEpochSecond() + 5)
        .envelope(), false);
    Awaitility.await().atMost(Duration.ofSeconds(30))
        .until(() -> statuses().stream().anyMatch(x -> x.detail().contains("was rolled back on this pole before")));
  }
}

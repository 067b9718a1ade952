package io.mast.runtime.ota;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mast.ota.BootState;
import io.mast.ota.Packer;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.OtaManifestMessage;
import io.mast.protocol.OtaMessages;
import io.mast.protocol.SignedControl;
import io.mast.runtime.console.Pole;
import io.mast.seams.DurableFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pole of the OTA tests: a simulated pole on a real Mosquitto with a chunk server, distributions
 * of text to offer, signed offers, the slot layout of a pole on {@code v1}, and waits for the
 * agent's statuses on {@code os}. Each test starts its own pole; the pole and the server are closed after it.
 */
abstract class OtaPoleTest {
  @TempDir
  Path dir;

  Pole pole;
  ChunkServer server;

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
  Path dist(String name, boolean changed) throws IOException {
    return dist(name, changed, 0);
  }

  /** As {@link #dist(String, boolean)}, its text drawn from {@code seed} (another seed: every chunk differs). */
  Path dist(String name, boolean changed, int seed) throws IOException {
    Path d = dir.resolve(name);
    Files.createDirectories(d.resolve("lib"));
    for (int j = 0; j < 4; j++) {
      Random r = new Random(j + 1000L * seed);
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

  record Offer(byte[] envelope, Packer.Packed packed) {}

  Offer offer(Path dist, String version, long counter, String target, long issued) throws Exception {
    return offer(dist, version, counter, target, issued, issued + 86_400, pole.platform.keyId, pole.platform.key.getPrivate());
  }

  Offer offer(Path dist, String version, long counter, String target, long issued, long expires, String keyId, PrivateKey key)
      throws Exception {
    Packer.Packed p = Packer.pack(dist, new Packer.Release(version, counter, target, 17, expires, ""));
    byte[] envelope = SignedControl.sign(SignedControl.Type.OTA_MANIFEST, Pole.ID, issued, expires, p.manifest().toBytes(), keyId, key);
    return new Offer(envelope, p);
  }

  List<OtaMessages.Status> statuses() throws FrameFormatException {
    List<OtaMessages.Status> out = new ArrayList<>();
    for (byte[] p : pole.platform.payloads("m/" + Pole.ID + "/os")) {
      out.add(OtaMessages.Status.parse(p));
    }
    return out;
  }

  OtaMessages.Status awaitStatus(OtaMessages.State state) {
    return awaitStatus(state, Duration.ofSeconds(60));
  }

  OtaMessages.Status awaitStatus(OtaMessages.State state, Duration within) {
    return awaitFirst("an OTA status " + state, s -> s.state() == state, within);
  }

  /** Waits until a status on {@code os} matches {@code wanted}; returns the first that does. */
  private OtaMessages.Status awaitFirst(String what, java.util.function.Predicate<OtaMessages.Status> wanted, Duration within) {
    OtaMessages.Status[] found = new OtaMessages.Status[1];
    Awaitility.await(what).atMost(within).until(() -> {
      found[0] = statuses().stream().filter(wanted).findFirst().orElse(null);
      return found[0] != null;
    });
    return found[0];
  }

  /** The slot layout of a pole installed with {@code v1} in slot a. */
  Path slots(Path v1) throws IOException {
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

  /** The download of {@code v2} over a pole on {@code v1} in slot a, up to INSTALLED; returns the slot root. */
  Path installed(Offer[] offered) throws Exception {
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

  /** {@link #installed}, then the launcher's part: slot b on trial (its first start), the runtime started again. */
  Path restartedOnTrial(Offer[] offered) throws Exception {
    Path root = installed(offered);
    new BootState("a", "b", 1, "installed:b:2.0.0").write(DurableFiles.real(), root);
    pole.restart();
    return root;
  }

  /** Waits for a status whose detail contains {@code what}; returns it. */
  OtaMessages.Status awaitDetail(String what) {
    return awaitFirst("an OTA status saying '" + what + "'", s -> s.detail().contains(what), Duration.ofSeconds(30));
  }

  /** Slot b of {@code root} holds exactly the files of the distribution {@code name}, as {@code packed} lists them. */
  void assertStaged(String name, Packer.Packed packed, Path root) throws IOException {
    for (OtaManifestMessage.File f : packed.manifest().files()) {
      assertArrayEquals(Files.readAllBytes(dir.resolve(name).resolve(f.path())), Files.readAllBytes(root.resolve("slots/b").resolve(f.path())),
          f.path());
    }
  }

  /** Applies the config in force with {@code uplink.daily_byte_budget} set, as a technician's edit would. */
  void budget(long bytes) throws Exception {
    io.mast.config.model.DeviceConfig c = pole.runtime.config();
    io.mast.config.model.DeviceConfig next = c.toBuilder().setVersion(pole.runtime.configAgent().nextVersion())
        .setUplink(c.getUplink().toBuilder().setDailyByteBudget(bytes)).build();
    io.mast.protocol.ConfigAckMessage ack = pole.runtime.configAgent().submit(next, "console", 0).get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertEquals(io.mast.protocol.ConfigAckMessage.Result.APPLIED, ack.result(), ack.toString());
  }
}

package io.mast.devkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.mast.cli.Cli;
import io.mast.config.model.DeviceConfig;
import io.mast.config.model.TrustedKey;
import io.mast.ota.BootState;
import io.mast.protocol.Ed25519Keys;
import io.mast.runtime.EdgeRuntime;
import io.mast.runtime.ota.OtaAgent;
import io.mast.sim.Mosquitto;
import io.mast.runtime.uplink.Link;
import io.mast.seams.DurableFiles;
import io.mast.sim.SimulatedBoard;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mast ota pack} and {@code mast ota publish} against a live simulated pole on Mosquitto,
 * the launcher's part played by the test (a restart into the trial slot): the offer, the chunks
 * the pole lacks served on request, the trial committed, the publisher's exit 0.
 */
class OtaPublishTest {
  @TempDir
  Path dir;

  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private Path dist(String name, boolean changed) throws Exception {
    Path d = dir.resolve(name);
    Files.createDirectories(d.resolve("lib"));
    for (int j = 0; j < 3; j++) {
      Random r = new Random(j);
      StringBuilder b = new StringBuilder();
      for (int k = 0; k < 30_000; k++) {
        b.append("w").append(r.nextInt(100_000)).append(' ');
        if (changed && j == 1 && k == 10_000) {
          b.append("a patched method ");
        }
      }
      Files.writeString(d.resolve("lib").resolve("part" + j + ".jar"), b);
    }
    return d;
  }

  private EdgeRuntime pole(DeviceConfig c, List<AutoCloseable> boards) throws Exception {
    SimulatedBoard board = SimulatedBoard.start(c, SimulatedBoard.Transport.IN_PROCESS, dir);
    boards.add(board);
    EdgeRuntime r = EdgeRuntime.start(new EdgeRuntime.Options(c, "pole-5", List.of(), dir.resolve("state"), board, null, null, 0, -1, "test"));
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> r.link().state() == Link.State.CONNECTED);
    return r;
  }

  @Test
  void aPackedBundleIsPublishedDownloadedTriedAndCommitted() throws Exception {
    Mosquitto mosquitto = Mosquitto.start(dir.resolve("mosquitto"));
    open.add(mosquitto);
    Cli.Result keys = Cli.run("", "keys", "gen", "--out", dir.resolve("keys").toString(), "--id", "ops-ota");
    assertEquals(0, keys.status(), keys.err());
    byte[] raw = Ed25519Keys.raw(Ed25519Keys.readPublicPem(Files.readString(dir.resolve("keys/ops-ota.pub.pem"))));
    DeviceConfig base = SimulatedBoard.exampleConfig();
    DeviceConfig c = base.toBuilder().setIdentity(base.getIdentity().toBuilder().setDeviceId("pole-5"))
        .setUplink(base.getUplink().toBuilder().clearBrokerUris().addBrokerUris(mosquitto.uri()).setReconnectMinMs(50).setReconnectMaxS(1))
        .setTrust(base.getTrust().toBuilder().clearKeys().addKeys(TrustedKey.newBuilder().setKeyId("ops-ota")
            .setEd25519Public(ByteString.copyFrom(raw)))).build();
    Path v1 = dist("v1", false);
    Path root = dir.resolve("root");
    Files.createDirectories(root.resolve("slots"));
    Files.move(v1, root.resolve("slots/a"));
    BootState.initial().write(DurableFiles.real(), root);

    Path bundle = dir.resolve("v2.bundle");
    Cli.Result packed = Cli.run("", "ota", "pack", "--version", "2.0.0", "--counter", "2", "--target", "sim", "--key",
        dir.resolve("keys/ops-ota.pem").toString(), "--key-id", "ops-ota", "--out", bundle.toString(), dist("v2", true).toString());
    assertEquals(0, packed.status(), packed.out() + packed.err());
    assertTrue(packed.out().contains("bundle " + bundle + ": version 2.0.0, counter 2, target sim, 3 files"), packed.out());

    List<AutoCloseable> boards = new ArrayList<>();
    open.add(() -> {
      for (AutoCloseable b : boards) {
        b.close();
      }
    });
    EdgeRuntime first = pole(c, boards);
    first.startOta(root, "a", OtaAgent.TRIAL_DEADLINE);
    CompletableFuture<Cli.Result> published = CompletableFuture.supplyAsync(() -> Cli.run("", "ota", "publish", "--broker", mosquitto.uri(),
        "--device", "pole-5", "--timeout", "120", bundle.toString()));
    Awaitility.await("installed in slot b").atMost(Duration.ofSeconds(60)).until(() -> first.restartRequested().isDone());
    assertEquals("b", BootState.read(DurableFiles.real(), root).trial());
    // the launcher's part: a new process from slot b, on trial
    first.close();
    EdgeRuntime second = pole(c, boards);
    open.add(second);
    second.startOta(root, "b", Duration.ofSeconds(60));
    Cli.Result result = published.get();
    assertEquals(0, result.status(), result.out() + result.err());
    assertTrue(result.out().contains("pole-5: COMMITTED (slot b)"), result.out());
    assertEquals(new BootState("b", "", 0, "committed:b:2.0.0"), BootState.read(DurableFiles.real(), root));
    assertArrayEquals(Files.readAllBytes(dir.resolve("v2/lib/part1.jar")), Files.readAllBytes(root.resolve("slots/b/lib/part1.jar")));
    // the platform engineer's view: each pole's latest status, retained by the broker
    Cli.Result status = Cli.run("", "ota", "status", "--broker", mosquitto.uri(), "--wait", "2");
    assertEquals(0, status.status(), status.out() + status.err());
    assertEquals("pole-5  2.0.0  COMMITTED  (slot b)\n", status.out());
    Cli.Result none = Cli.run("", "ota", "status", "--broker", mosquitto.uri(), "--device", "pole-9", "--wait", "1");
    assertEquals(4, none.status(), none.out());
    assertTrue(none.out().startsWith("no update status from pole-9 on tcp://"), none.out());
  }

  @Test
  void aTrustUpdateFromTheToolsRotatesThePolesKeysAndBadInputsAreRefusedBeforeAnythingIsSent() throws Exception {
    Mosquitto mosquitto = Mosquitto.start(dir.resolve("mosquitto"));
    open.add(mosquitto);
    Path keys = dir.resolve("keys");
    Cli.Result old = Cli.run("", "ota", "keygen", "--out", keys.toString(), "--id", "ops-1");
    assertEquals(0, old.status(), old.err());
    assertTrue(old.out().contains("trust entry for the poles' config (trust.keys):"), old.out());
    assertEquals(1, Cli.run("", "ota", "keygen", "--out", keys.toString(), "--id", "ops-1").status(), "never overwritten");
    assertEquals(0, Cli.run("", "ota", "keygen", "--out", keys.toString(), "--id", "ops-2").status());
    byte[] raw = Ed25519Keys.raw(Ed25519Keys.readPublicPem(Files.readString(keys.resolve("ops-1.pub.pem"))));
    DeviceConfig base = SimulatedBoard.exampleConfig();
    DeviceConfig c = base.toBuilder().setIdentity(base.getIdentity().toBuilder().setDeviceId("pole-5"))
        .setUplink(base.getUplink().toBuilder().clearBrokerUris().addBrokerUris(mosquitto.uri()).setReconnectMinMs(50).setReconnectMaxS(1))
        .setTrust(base.getTrust().toBuilder().clearKeys().addKeys(TrustedKey.newBuilder().setKeyId("ops-1")
            .setEd25519Public(ByteString.copyFrom(raw)))).build();
    List<AutoCloseable> boards = new ArrayList<>();
    open.add(() -> {
      for (AutoCloseable b : boards) {
        b.close();
      }
    });
    EdgeRuntime pole = pole(c, boards);
    open.add(pole);
    pole.startOta(null);

    Cli.Result missing = Cli.run("", "ota", "trust", "--broker", mosquitto.uri(), "--device", "pole-5", "--key", keys.resolve("ops-1.pem")
        .toString(), "--key-id", "ops-1", "--trust", keys.resolve("ops-3.pub.pem").toString(), "--trust", "ops-2.pem");
    assertEquals(2, missing.status(), missing.out());
    assertTrue(missing.err().contains("ops-3.pub.pem: no such file"), missing.err());
    assertTrue(missing.err().contains("--trust ops-2.pem: a public key file is named ID.pub.pem"), missing.err());

    Cli.Result rotated = Cli.run("", "ota", "trust", "--broker", mosquitto.uri(), "--device", "pole-5", "--key", keys.resolve("ops-1.pem")
        .toString(), "--key-id", "ops-1", "--trust", keys.resolve("ops-2.pub.pem") + ":console", "--timeout", "60");
    assertEquals(0, rotated.status(), rotated.out() + rotated.err());
    assertTrue(rotated.out().contains("trust update (ops-2 (console changes)) signed by ops-1 on m/pole-5/o"), rotated.out());
    assertTrue(rotated.out().contains("pole-5: version 2 APPLIED (active 2, from trust update): changed trust.keys"), rotated.out());
    assertEquals("ops-2", pole.config().getTrust().getKeys(0).getKeyId());
    assertTrue(pole.config().getTrust().getKeys(0).getConsoleChanges());

    // the old key no longer signs anything the pole takes
    Cli.Result stale = Cli.run("", "ota", "trust", "--broker", mosquitto.uri(), "--device", "pole-5", "--key", keys.resolve("ops-1.pem")
        .toString(), "--key-id", "ops-1", "--trust", keys.resolve("ops-1.pub.pem").toString(), "--timeout", "60");
    assertEquals(1, stale.status(), stale.out() + stale.err());
    assertTrue(stale.out().contains("pole-5: refused: key id 'ops-1' is not trusted by this pole (it trusts ops-2)"), stale.out());
    assertEquals(1, pole.config().getTrust().getKeysCount());
  }
}

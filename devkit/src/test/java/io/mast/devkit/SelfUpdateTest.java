package io.mast.devkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.ota.BootState;
import io.mast.ota.Packer;
import io.mast.pole.SlotSupervisor;
import io.mast.protocol.Ed25519Keys;
import io.mast.protocol.OtaMessages;
import io.mast.protocol.SignedControl;
import io.mast.runtime.agent.Platform;
import io.mast.runtime.ota.ChunkServer;
import io.mast.sim.Mosquitto;
import io.mast.seams.DurableFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mast run --sim --slots}: a simulated pole in child processes, laid out as a real one
 * (slots under its state directory, the launcher, a supervisor restarting it as systemd does),
 * against a real Mosquitto, updating itself while it is killed with SIGKILL at every stage a
 * process can die in: while downloading, at the trial's first start, after the commit. Then it
 * refuses a downgrade and rolls back a release that cannot start.
 */
class SelfUpdateTest {
  private static final String POLE = "sim-pole-1";

  @TempDir
  Path dir;

  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  /** The statuses the pole sent on os, in order. */
  private static List<OtaMessages.Status> statuses(Platform platform) throws Exception {
    List<OtaMessages.Status> out = new ArrayList<>();
    for (byte[] p : platform.payloads("m/" + POLE + "/os")) {
      out.add(OtaMessages.Status.parse(p));
    }
    return out;
  }

  private static OtaMessages.Status await(Platform platform, OtaMessages.State state, String detail) {
    OtaMessages.Status[] found = new OtaMessages.Status[1];
    Awaitility.await("an OTA status " + state + " '" + detail + "' from the pole").atMost(Duration.ofSeconds(120)).until(() -> {
      for (OtaMessages.Status s : statuses(platform)) {
        if (s.state() == state && s.detail().contains(detail)) {
          found[0] = s;
          return true;
        }
      }
      return false;
    });
    return found[0];
  }

  private byte[] offer(Packer.Packed p, PrivateKey key) throws Exception {
    long now = Instant.now().getEpochSecond();
    return SignedControl.sign(SignedControl.Type.OTA_MANIFEST, POLE, now, now + 86_400, p.manifest().toBytes(), "sim-platform", key);
  }

  /** SIGKILL to the supervisor's child: the launcher's shell, which exec'd bin/mast, which exec'd java. */
  private static void killMast(ChildRun supervisor) {
    List<ProcessHandle> children = supervisor.process.toHandle().children().toList();
    assertEquals(1, children.size(), "one Mast under the supervisor: " + children);
    children.get(0).destroyForcibly();
    Awaitility.await("Mast gone").atMost(Duration.ofSeconds(30)).until(() -> !children.get(0).isAlive());
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }

  @Test
  void aSimulatedPoleUpdatesItselfThroughSigkillsRefusesADowngradeAndRollsBackAReleaseThatCannotStart() throws Exception {
    Mosquitto mosquitto = Mosquitto.start(dir.resolve("mosquitto"));
    open.add(mosquitto);
    Platform platform = new Platform(mosquitto.uri());
    open.add(platform);
    ChunkServer server = new ChunkServer(mosquitto.uri());
    open.add(server);
    Path root = dir.resolve("state");
    // slot a: this build, its bin/mast naming the test's class path (mast run --slots copies a built distribution's jars)
    SlotSupervisor.installSlot(root.resolve("slots/a"), SlotSupervisor.ownClasspath(), false);
    // a trial has 10 s to prove itself (the supervisor takes one for hung 5 s after that)
    ChildRun supervisor = ChildRun.start(dir.resolve("supervisor.log"), Map.of("MAST_TRIAL_DEADLINE_S", "10"), "run", "--sim", "--slots", "--broker", mosquitto.uri(),
        "--store", root.toString(), "--console", "none");
    open.add(supervisor);
    Awaitility.await("the pole online").atMost(Duration.ofSeconds(60)).until(() -> platform.count("m/" + POLE + "/s") > 0);
    PrivateKey key = Ed25519Keys.readPrivatePem(Files.readString(root.resolve("keys/sim-platform.pem")));

    // 2.0.0: slot a with a data file of 400 KB (about 50 chunks to fetch, within the daily budget of the example config)
    Path v2 = dir.resolve("v2");
    OtaBench.copy(root.resolve("slots/a"), v2);
    byte[] data = new byte[400_000];
    new Random(2).nextBytes(data);
    Files.write(v2.resolve("data.bin"), data);
    Packer.Packed p2 = Packer.pack(v2, new Packer.Release("2.0.0", 2, "sim", 17, Instant.now().getEpochSecond() + 86_400, ""));
    server.packed = p2;
    server.limit = 40;
    platform.publish("m/" + POLE + "/o", offer(p2, key), true);

    // SIGKILL while downloading, once the pole asked past the 40 chunks served (so it took at least 36: one checkpoint)
    Awaitility.await("40 chunks served and more asked").atMost(Duration.ofSeconds(60)).until(() -> server.askedBeyondLimit.get() > 0);
    killMast(supervisor);
    supervisor.awaitOutput("Mast exited with 137", Duration.ofSeconds(30));
    int servedBefore = server.served.size();
    server.limit = Integer.MAX_VALUE;
    await(platform, OtaMessages.State.INSTALLED, "slot b");
    int fetchedAgain = server.served.size() - servedBefore;
    assertTrue(fetchedAgain <= p2.manifest().chunks().size() - 32, "the download resumed from its checkpoint: " + fetchedAgain
        + " chunks fetched after the SIGKILL, of " + p2.manifest().chunks().size());

    // SIGKILL at the trial's first start, before it can prove itself: the launcher counts it, the second start commits
    Awaitility.await("the launcher's first start of slot b").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
        .until(() -> BootState.read(DurableFiles.real(), root).tries() == 1);
    killMast(supervisor);
    assertEquals("2.0.0", await(platform, OtaMessages.State.COMMITTED, "slot b").version());
    assertTrue(supervisor.output().contains("launcher: trying slot b (start 2 of 3)"), supervisor.output());
    assertEquals(new BootState("b", "", 0, "committed:b:2.0.0"), BootState.read(DurableFiles.real(), root));

    // SIGKILL after the commit: slot b runs again, and the counter floor held: a downgrade is refused
    killMast(supervisor);
    Awaitility.await("started again").atMost(Duration.ofSeconds(30)).until(() -> count(supervisor.output(), "Mast exited with 137") == 3);
    Path v1 = dir.resolve("v1");
    OtaBench.copy(root.resolve("slots/a"), v1);
    Files.writeString(v1.resolve("notes.txt"), "1.9.0\n");
    Packer.Packed p1 = Packer.pack(v1, new Packer.Release("1.9.0", 1, "sim", 17, Instant.now().getEpochSecond() + 86_400, ""));
    server.packed = p1;
    platform.publish("m/" + POLE + "/o", offer(p1, key), true);
    await(platform, OtaMessages.State.REFUSED, "downgrade: security counter 1 is below this pole's floor 2");

    // 3.0.0 cannot start: three starts of slot a fail, the launcher runs slot b again, the pole reports the rollback
    Path v3 = dir.resolve("v3");
    OtaBench.copy(v2, v3);
    Files.writeString(v3.resolve("bin/mast"), "#!/bin/sh\necho 'mast 3.0.0: cannot start' >&2\nexit 1\n");
    Files.setPosixFilePermissions(v3.resolve("bin/mast"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Packer.Packed p3 = Packer.pack(v3, new Packer.Release("3.0.0", 3, "sim", 17, Instant.now().getEpochSecond() + 86_400, ""));
    server.packed = p3;
    platform.publish("m/" + POLE + "/o", offer(p3, key), true);
    await(platform, OtaMessages.State.INSTALLED, "slot a");
    OtaMessages.Status back = await(platform, OtaMessages.State.ROLLED_BACK, "");
    assertEquals("3.0.0", back.version());
    assertEquals("slot a:3 starts without a commit", back.detail());
    String out = supervisor.output();
    assertEquals(3, count(out, "mast 3.0.0: cannot start"), out);
    assertTrue(out.contains("launcher: slot a started 3 times without committing; rolling back to slot b"), out);
    Awaitility.await("the reported rollback cleared").atMost(Duration.ofSeconds(30))
        .until(() -> BootState.read(DurableFiles.real(), root).equals(new BootState("b", "", 0, "")));

    // 4.0.0 hangs at its start (alive, silent, never healthy): each trial start is killed after its deadline, then rolled back
    Path v4 = dir.resolve("v4");
    OtaBench.copy(v2, v4);
    Files.writeString(v4.resolve("bin/mast"), "#!/bin/sh\necho 'mast 4.0.0: hanging' >&2\nexec sleep 600\n");
    Packer.Packed p4 = Packer.pack(v4, new Packer.Release("4.0.0", 4, "sim", 17, Instant.now().getEpochSecond() + 86_400, ""));
    server.packed = p4;
    platform.publish("m/" + POLE + "/o", offer(p4, key), true);
    Awaitility.await("the hung release rolled back").atMost(Duration.ofSeconds(180))
        .until(() -> statuses(platform).stream().filter(x -> x.state() == OtaMessages.State.ROLLED_BACK).count() == 2);
    OtaMessages.Status hung = statuses(platform).stream().filter(x -> x.state() == OtaMessages.State.ROLLED_BACK).toList().get(1);
    assertEquals("4.0.0", hung.version());
    out = supervisor.output();
    assertEquals(3, count(out, "did not commit or exit within 15 s; killing it"), out);
    assertEquals(3, count(out, "mast 4.0.0: hanging"), out);
    assertTrue(supervisor.process.isAlive(), "the supervisor never gave up");
  }
}

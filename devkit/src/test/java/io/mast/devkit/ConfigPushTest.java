package io.mast.devkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.mast.cli.Cli;
import io.mast.config.DeviceConfigs;
import io.mast.config.model.DeviceConfig;
import io.mast.config.model.Trust;
import io.mast.config.model.TrustedKey;
import io.mast.protocol.Ed25519Keys;
import io.mast.runtime.EdgeRuntime;
import io.mast.runtime.uplink.Link;
import io.mast.sim.EmbeddedBroker;
import io.mast.sim.SimulatedBoard;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mast config push} against live simulated poles on the embedded broker, with a key made
 * by the real {@code openssl genpkey}: a push applied, one that cuts the pole off reverted by the
 * pole itself, a group push answered by each pole, an invalid config never sent.
 */
class ConfigPushTest {
  @TempDir
  Path dir;

  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  /** A key pair made by openssl: the private PEM's path and the trust entry for it. */
  private TrustedKey opensslKey() throws Exception {
    io.mast.protocol.Openssl openssl = new io.mast.protocol.Openssl(dir);
    openssl.run("genpkey", "-algorithm", "ed25519", "-out", "ops.pem");
    openssl.run("pkey", "-in", "ops.pem", "-pubout", "-out", "ops.pub.pem");
    byte[] raw = Ed25519Keys.raw(Ed25519Keys.readPublicPem(Files.readString(dir.resolve("ops.pub.pem"))));
    return TrustedKey.newBuilder().setKeyId("ops-1").setEd25519Public(ByteString.copyFrom(raw)).build();
  }

  private DeviceConfig config(String id, String broker, TrustedKey key, String... groups) throws Exception {
    DeviceConfig base = SimulatedBoard.exampleConfig();
    return base.toBuilder().setIdentity(base.getIdentity().toBuilder().setDeviceId(id).addAllGroups(List.of(groups)))
        .setUplink(base.getUplink().toBuilder().clearBrokerUris().addBrokerUris(broker).setReconnectMinMs(50).setReconnectMaxS(1))
        .setTrust(Trust.newBuilder().addKeys(key)).build();
  }

  private EdgeRuntime pole(DeviceConfig c) throws Exception {
    return pole(c, List.of());
  }

  /** A pole of {@code c}, with {@code brokers} as mast run's --broker. */
  private EdgeRuntime pole(DeviceConfig c, List<String> brokers) throws Exception {
    SimulatedBoard board = SimulatedBoard.start(c, SimulatedBoard.Transport.IN_PROCESS, dir);
    open.add(board);
    EdgeRuntime r = EdgeRuntime.start(new EdgeRuntime.Options(c, c.getIdentity().getDeviceId(), brokers,
        dir.resolve("state-" + c.getIdentity().getDeviceId()), board, null, null, 0, -1, "test"));
    open.add(r);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> r.link().state() == Link.State.CONNECTED);
    return r;
  }

  private Path file(String name, DeviceConfig c) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, DeviceConfigs.toJson(c));
    return f;
  }

  /** The broker of the named kind: the platform's (Mosquitto) or the embedded one of mast run --sim. */
  private String broker(String kind) throws Exception {
    if (kind.equals("mosquitto")) {
      io.mast.sim.Mosquitto m = io.mast.sim.Mosquitto.start(dir.resolve("mosquitto"));
      open.add(m);
      return m.uri();
    }
    EmbeddedBroker e = EmbeddedBroker.start(0);
    open.add(e);
    return e.uri();
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.ValueSource(strings = {"mosquitto", "embedded"})
  void aPushChangesALivePoleAndOneThatCutsItOffIsRevertedByThePole(String kind) throws Exception {
    String uri = broker(kind);
    TrustedKey key = opensslKey();
    DeviceConfig v1 = config("pole-1", uri, key);
    EdgeRuntime pole = pole(v1);
    DeviceConfig v2 = v1.toBuilder().setVersion(2).setSensors(0, v1.getSensors(0).toBuilder().setIntervalS(30))
        .setAlarms(0, v1.getAlarms(0).toBuilder().setAbove(40)).build();
    Cli.Result applied = Cli.run("", "config", "push", "--broker", uri, "--device", "pole-1", "--key",
        dir.resolve("ops.pem").toString(), "--key-id", "ops-1", "--timeout", "30", file("v2.json", v2).toString());
    assertEquals(0, applied.status(), applied.out() + applied.err());
    assertTrue(applied.out().contains("pole-1: APPLIED version 2, active 2\n  changed: sensors[pms].interval_s, alarms[air.pm25].above"),
        applied.out());
    assertTrue(applied.out().contains("pole-1: version 2 confirmed"), applied.out());
    assertEquals(30, pole.profile().channel("air.pm25").intervalS());

    DeviceConfig v3 = v2.toBuilder().setVersion(3).setUplink(v2.getUplink().toBuilder().setBrokerUris(0, "tcp://127.0.0.1:1")).build();
    Cli.Result reverted = Cli.run("", "config", "push", "--broker", uri, "--device", "pole-1", "--key",
        dir.resolve("ops.pem").toString(), "--key-id", "ops-1", "--grace", "2", "--timeout", "60", file("v3.json", v3).toString());
    assertEquals(3, reverted.status(), reverted.out() + reverted.err());
    assertTrue(reverted.out().contains("pole-1: REVERTED version 3, active 2\n  the broker was not reached within 2 s of applying version 3"),
        reverted.out());
    assertTrue(reverted.out().contains("the retained push was cleared"), reverted.out());
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> pole.link().state() == Link.State.CONNECTED);
    assertEquals(2, pole.config().getVersion());
  }

  @Test
  void aRevertedPushOfAPoleRunWithBrokerGivesTheBrokerBack() throws Exception {
    // the chaos day's finding: the revert went back to the config's broker_uris, not to --broker's,
    // and the pole stayed cut off until it was restarted
    String uri = broker("mosquitto");
    TrustedKey key = opensslKey();
    DeviceConfig v1 = config("pole-3", "tcp://127.0.0.1:1", key); // the config's broker is not there: --broker stands for it
    EdgeRuntime pole = pole(v1, List.of(uri));
    DeviceConfig v2 = v1.toBuilder().setVersion(2).setUplink(v1.getUplink().toBuilder().setBrokerUris(0, "tcp://127.0.0.1:2")).build();
    Cli.Result r = Cli.run("", "config", "push", "--broker", uri, "--device", "pole-3", "--key", dir.resolve("ops.pem").toString(),
        "--key-id", "ops-1", "--grace", "2", "--timeout", "60", file("v2.json", v2).toString());
    assertEquals(3, r.status(), r.out() + r.err());
    assertTrue(r.out().contains("pole-3: REVERTED version 2, active 1"), r.out());
    Awaitility.await("the pole back on --broker's broker").atMost(Duration.ofSeconds(30))
        .until(() -> pole.link().state() == Link.State.CONNECTED);
    assertEquals(1, pole.config().getVersion());
  }

  @Test
  void aPushThePlatformSawAppliedAndThePoleRevertedIsReportedReverted() throws Exception {
    // 1.5 s each way: the pole's APPLIED reaches the broker 3 s after the push, the broker's PUBACK
    // reaches the pole 1.5 s later, after its grace of 2 s ran out: the pole reverts
    io.mast.sim.Mosquitto m = io.mast.sim.Mosquitto.start(dir.resolve("mosquitto"));
    open.add(m);
    io.mast.sim.LinkShaper link = io.mast.sim.LinkShaper.to("127.0.0.1", m.port()).latency(Duration.ofMillis(1500)).start(0);
    open.add(link);
    TrustedKey key = opensslKey();
    DeviceConfig v1 = config("pole-2", link.uri(), key);
    EdgeRuntime pole = pole(v1);
    DeviceConfig v2 = v1.toBuilder().setVersion(2).setUplink(v1.getUplink().toBuilder().setHealthIntervalS(120)).build();
    Cli.Result r = Cli.run("", "config", "push", "--broker", m.uri(), "--device", "pole-2", "--key", dir.resolve("ops.pem").toString(),
        "--key-id", "ops-1", "--grace", "2", "--timeout", "60", file("v2.json", v2).toString());
    assertTrue(r.out().contains("pole-2: APPLIED version 2, active 2"), r.out());
    assertTrue(r.out().contains("pole-2: REVERTED version 2, active 1"), r.out());
    assertEquals(3, r.status(), "a push the pole reverted, though the platform read it applied first: " + r.out() + r.err());
    assertEquals(1, pole.config().getVersion());
  }

  @Test
  void mastRemoteRunsAConsoleCommandOnAPoleAndAChangeOnlyWithAKeyAllowedTo() throws Exception {
    String uri = broker("mosquitto");
    TrustedKey key = opensslKey();
    EdgeRuntime pole = pole(config("pole-4", uri, key));
    String[] remote = {"remote", "--broker", uri, "--device", "pole-4", "--key", dir.resolve("ops.pem").toString(), "--key-id", "ops-1",
        "--timeout", "30"};
    Cli.Result status = Cli.run("", concat(remote, "status"));
    assertEquals(0, status.status(), status.out() + status.err());
    assertTrue(status.out().contains("pole     pole-4, simulated board"), status.out());
    Cli.Result change = Cli.run("", concat(remote, "config", "set", "uplink.batch_window_s", "20"));
    assertEquals(3, change.status(), change.out() + change.err());
    assertTrue(change.out().contains("key 'ops-1' may only read"), change.out());
    Cli.Result unknown = Cli.run("", concat(remote, "frobnicate"));
    assertEquals(2, unknown.status(), unknown.out());
    assertTrue(unknown.out().contains("unknown command 'frobnicate'; type help for the list"), unknown.out());
    assertEquals(1, pole.config().getVersion());
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void aGroupPushIsAnsweredByEveryPoleOfTheGroupAndEachKeepsItsIdentity() throws Exception {
    EmbeddedBroker broker = EmbeddedBroker.start(0);
    open.add(broker);
    TrustedKey key = opensslKey();
    EdgeRuntime a = pole(config("pole-a", broker.uri(), key, "north"));
    EdgeRuntime b = pole(config("pole-b", broker.uri(), key, "north", "water"));
    DeviceConfig template = config("x", broker.uri(), key).toBuilder().setVersion(5).clearIdentity()
        .setUplink(config("x", broker.uri(), key).getUplink().toBuilder().setHealthIntervalS(600)).build();
    Cli.Result r = Cli.run("", "config", "push", "--broker", broker.uri(), "--group", "north", "--key", dir.resolve("ops.pem").toString(),
        "--key-id", "ops-1", "--expect", "2", "--timeout", "30", file("group.json", template).toString());
    assertEquals(0, r.status(), r.out() + r.err());
    assertTrue(r.out().contains("2 poles answered: 2 applied, 0 rejected, 0 reverted"), r.out());
    assertEquals(5, a.config().getVersion());
    assertEquals("pole-b", b.config().getIdentity().getDeviceId());
    assertEquals(List.of("north", "water"), b.config().getIdentity().getGroupsList(), "a group push leaves each pole its identity");
  }

  @Test
  void aGroupPushThePolesRevertIsTalliedRevertedThoughEachThenRefusesTheRetainedPush() throws Exception {
    EmbeddedBroker broker = EmbeddedBroker.start(0);
    open.add(broker);
    TrustedKey key = opensslKey();
    pole(config("pole-a", broker.uri(), key, "north"));
    pole(config("pole-b", broker.uri(), key, "north"));
    DeviceConfig base = config("x", broker.uri(), key);
    DeviceConfig cutOff = base.toBuilder().setVersion(5).clearIdentity()
        .setUplink(base.getUplink().toBuilder().setBrokerUris(0, "tcp://127.0.0.1:1")).build();
    // a third pole is expected and never answers: the tool listens to the end, and so hears each pole's
    // refusal of the retained push once it is back on its broker after the revert
    Cli.Result r = Cli.run("", "config", "push", "--broker", broker.uri(), "--group", "north", "--key", dir.resolve("ops.pem").toString(),
        "--key-id", "ops-1", "--grace", "2", "--expect", "3", "--timeout", "20", file("cut.json", cutOff).toString());
    assertTrue(r.out().contains("REJECTED version 5, active 1\n  version 5 is not newer than 5, the newest this pole has taken (and reverted)"),
        "the echo this test is about was heard: " + r.out());
    assertTrue(r.out().contains("2 poles answered: 0 applied, 0 rejected, 2 reverted"), r.out());
    assertEquals(3, r.status(), r.out() + r.err());
  }

  @Test
  void anInvalidConfigIsRefusedWithEveryProblemAndNothingIsSent() throws Exception {
    EmbeddedBroker broker = EmbeddedBroker.start(0);
    open.add(broker);
    TrustedKey key = opensslKey();
    DeviceConfig bad = config("pole-1", broker.uri(), key).toBuilder().setVersion(2)
        .setSensors(0, SimulatedBoard.exampleConfig().getSensors(0).toBuilder().setIntervalS(0)).clearTrust().build();
    Cli.Result r = Cli.run("", "config", "push", "--broker", "tcp://127.0.0.1:1", "--device", "pole-1", "--key",
        dir.resolve("ops.pem").toString(), "--key-id", "ops-1", file("bad.json", bad).toString());
    assertEquals(1, r.status(), r.out() + r.err());
    assertTrue(r.out().contains("trust.keys: a pushed config keeps at least one trusted key"), r.out());
    assertTrue(r.out().contains("sensors[0].interval_s: 0 is below the minimum 1"), r.out());
    assertTrue(r.out().endsWith("nothing was sent\n"), r.out() + " (the broker given does not even exist: it was never tried)");
  }
}

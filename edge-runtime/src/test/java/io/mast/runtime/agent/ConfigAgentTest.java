package io.mast.runtime.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.config.DeviceConfigs;
import io.mast.config.model.AlarmRule;
import io.mast.config.model.DeviceConfig;
import io.mast.config.model.Sensor;
import io.mast.protocol.ConfigAckMessage;
import io.mast.protocol.ConfigAckMessage.Result;
import io.mast.protocol.ConfigSetMessage;
import io.mast.protocol.Ed25519Keys;
import io.mast.protocol.SignedControl;
import io.mast.runtime.EdgeRuntime;
import io.mast.sim.Mosquitto;
import io.mast.seams.ManualScheduler;
import io.mast.seams.Scheduler;
import io.mast.sim.EmbeddedBroker;
import io.mast.sim.SimulatedBoard;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The config agent of a live simulated pole, against a real Mosquitto and the embedded broker:
 * every bad push refused with its reasons and nothing changed, a good one applied live and
 * confirmed, and one that cuts the pole off reverted by itself on a manual clock.
 */
class ConfigAgentTest {
  private static final String POLE = "pole-7";

  @TempDir
  Path dir;

  /** What a test opened (brokers, boards, runtimes, the platform), closed after it in reverse. */
  private final List<AutoCloseable> open = new ArrayList<>();

  @org.junit.jupiter.api.AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  /** A broker of the named kind and the platform's client on it, closed after the test. */
  private Platform platform(String kind) throws Exception {
    List<String> uri = new ArrayList<>();
    open.add(broker(kind, uri));
    Platform p = new Platform(uri.get(0));
    open.add(p);
    brokerUri = uri.get(0);
    return p;
  }

  private String brokerUri;

  static Stream<String> brokers() {
    return Stream.of("mosquitto", "embedded");
  }

  /** A broker of the named kind, closed with the test. */
  private AutoCloseable broker(String kind, List<String> uri) throws Exception {
    if (kind.equals("mosquitto")) {
      Mosquitto m = Mosquitto.start(dir.resolve("mosquitto"));
      uri.add(m.uri());
      return m;
    }
    EmbeddedBroker e = EmbeddedBroker.start(0);
    uri.add(e.uri());
    return e;
  }

  private DeviceConfig config(Platform platform, String broker) throws Exception {
    DeviceConfig base = SimulatedBoard.exampleConfig();
    return base.toBuilder()
        .setIdentity(base.getIdentity().toBuilder().setDeviceId(POLE).addGroups("north"))
        .setUplink(base.getUplink().toBuilder().clearBrokerUris().addBrokerUris(broker).setReconnectMinMs(50).setReconnectMaxS(1))
        .setStore(base.getStore().toBuilder().setSyncIntervalMs(100))
        .setTrust(base.getTrust().toBuilder().clearKeys().addKeys(platform.trusted()))
        .build();
  }

  private EdgeRuntime start(DeviceConfig config, Clock clock, Scheduler timer, List<AutoCloseable> closeLast) throws Exception {
    SimulatedBoard board = SimulatedBoard.start(config, SimulatedBoard.Transport.IN_PROCESS, dir);
    closeLast.add(board);
    return EdgeRuntime.start(new EdgeRuntime.Options(config, POLE, List.of(), dir.resolve("state"), board, null, null, 0, -1, "test"),
        clock, timer);
  }

  private static DeviceConfig next(DeviceConfig c, long version, UnaryOperator<DeviceConfig.Builder> change) {
    return change.apply(c.toBuilder().setVersion(version)).build();
  }

  /** Ten seconds of the pole's time, then until a reading of that tick is stored (samples run on the sensors' own threads). */
  private static void step(ManualScheduler timer, EdgeRuntime r) throws Exception {
    long before = r.snapshot().stored();
    timer.advance(Duration.ofSeconds(10));
    Awaitility.await("a sample of the tick stored").atMost(Duration.ofSeconds(20)).until(() -> r.snapshot().stored() > before);
  }

  private static void awaitConnected(EdgeRuntime r) {
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> r.link().state() == io.mast.runtime.uplink.Link.State.CONNECTED);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokers")
  void everyBadPushIsRejectedWithItsReasonsAndNothingChanges(String kind) throws Exception {
    Platform platform = platform(kind);
    DeviceConfig v1 = config(platform, brokerUri);
    try (EdgeRuntime runtime = start(v1, Clock.systemUTC(), Scheduler.newThread("test-timer"), open)) {
      awaitConnected(runtime);
      Path current = runtime.stateRoot().resolve("config/current.json");
      byte[] before = Files.readAllBytes(current);
      long now = Instant.now().getEpochSecond();
      KeyPair stranger = Ed25519Keys.generate();
      byte[] good = platform.signed(next(v1, 2, x -> x), 2, POLE, 0);
      byte[] setV2 = new ConfigSetMessage(2, next(v1, 2, x -> x).toByteArray(), 0).toBytes();
      DeviceConfig invalid = next(v1, 2, x -> x.setSensors(0, x.getSensors(0).toBuilder().setIntervalS(0))
          .setUplink(x.getUplink().toBuilder().setBrokerUris(0, "mqtt://nowhere")));
      record Case(String what, byte[] payload, long version, List<String> reasons) {}
      List<Case> cases = List.of(
          new Case("garbage", new byte[] {(byte) 0xff, 0x00, 0x13, 0x37}, 0, List.of("not a signed envelope (4 bytes)")),
          new Case("truncated", Arrays.copyOf(good, good.length - 9), 0, List.of("not a signed envelope")),
          new Case("bad signature", platform.signed(SignedControl.Type.CONFIG_SET, setV2, POLE, now, now + 60, stranger.getPrivate()), 0,
              List.of("the signature (64 bytes) does not verify under key 'ops-1'")),
          new Case("unknown key", SignedControl.sign(SignedControl.Type.CONFIG_SET, POLE, now, now + 60, setV2, "ops-9",
              stranger.getPrivate()), 0, List.of("key id 'ops-9' is not trusted by this pole (it trusts ops-1)")),
          new Case("another type", platform.signed(SignedControl.Type.OTA_MANIFEST, setV2, POLE, now, now + 60,
              platform.key.getPrivate()), 0, List.of("it carries OTA_MANIFEST, not CONFIG_SET")),
          new Case("another device", platform.signed(next(v1, 2, x -> x), 2, "pole-8", 0), 0,
              List.of("it is for 'pole-8', not this pole ('pole-7', groups north)")),
          new Case("another group", platform.signed(next(v1, 2, x -> x), 2, "@south", 0), 0,
              List.of("it is for '@south', not this pole ('pole-7', groups north)")),
          new Case("expired", platform.signed(SignedControl.Type.CONFIG_SET, setV2, POLE, now - 7200, now - 3600,
              platform.key.getPrivate()), 0, List.of("it expired at")),
          new Case("not yet valid", platform.signed(SignedControl.Type.CONFIG_SET, setV2, POLE, now + 3600, now + 7200,
              platform.key.getPrivate()), 0, List.of("it is not valid yet")),
          new Case("not newer", platform.signed(next(v1, 1, x -> x.setUplink(x.getUplink().toBuilder().setKeepaliveS(600))), 1, POLE, 0),
              1, List.of("version 1 is not newer than 1, the newest this pole has taken")),
          new Case("oversized", platform.signed(next(v1, 2, x -> x.setIdentity(x.getIdentity().toBuilder().setSite("x".repeat(70_000)))),
              2, POLE, 0), 0, List.of("bytes is larger than the 65536 bytes a CONFIG_SET may have")),
          new Case("invalid config", platform.signed(invalid, 2, POLE, 0), 2, List.of(
              "sensors[0].interval_s: 0 is below the minimum 1", "uplink.broker_uris[0]: ")),
          new Case("another device id", platform.signed(next(v1, 2, x -> x.setIdentity(x.getIdentity().toBuilder().setDeviceId("pole-99"))),
              2, POLE, 0), 2, List.of("identity.device_id: 'pole-99' is not this pole's id 'pole-7'")),
          new Case("no trusted key", platform.signed(next(v1, 2, x -> x.clearTrust()), 2, POLE, 0), 2,
              List.of("trust.keys: a config from the platform keeps at least one trusted key")));
      for (int i = 0; i < cases.size(); i++) {
        Case c = cases.get(i);
        platform.publish("m/" + POLE + "/c", c.payload(), true);
        ConfigAckMessage ack = platform.ack(POLE, i + 1);
        assertEquals(Result.REJECTED, ack.result(), c.what() + ": " + ack);
        assertEquals(c.version(), ack.version(), c.what() + ": " + ack);
        assertEquals(1, ack.activeVersion(), c.what());
        assertEquals(c.reasons().size(), ack.errors().size(), c.what() + ": " + ack.errors());
        for (int k = 0; k < c.reasons().size(); k++) {
          assertTrue(ack.errors().get(k).contains(c.reasons().get(k)), c.what() + ": " + ack.errors());
        }
        assertEquals(1, runtime.config().getVersion(), c.what());
      }
      assertArrayEquals(before, Files.readAllBytes(current), "nothing changed on flash");
      assertTrue(platform.status(POLE).configConfirmed());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokers")
  void aPushChangesTheLivePoleIsConfirmedAndIsNotAppliedTwice(String kind) throws Exception {
    Platform platform = platform(kind);
    DeviceConfig v1 = config(platform, brokerUri);
    DeviceConfig v2 = next(v1, 2, x -> x.setSensors(0, x.getSensors(0).toBuilder().setIntervalS(20))
        .setAlarms(0, x.getAlarms(0).toBuilder().setAbove(40)));
    int profileBefore;
    try (EdgeRuntime runtime = start(v1, Clock.systemUTC(), Scheduler.newThread("test-timer"), open)) {
      awaitConnected(runtime);
      profileBefore = runtime.profile().id();
      platform.publish("m/" + POLE + "/c", platform.signed(v2, 2, POLE, 0), true);
      ConfigAckMessage ack = platform.ack(POLE, 1);
      assertEquals(Result.APPLIED, ack.result(), ack.toString());
      assertEquals(List.of("sensors[pms].interval_s", "alarms[air.pm25].above"), ack.changed());
      assertEquals(2, ack.activeVersion());
      assertEquals(2, runtime.config().getVersion());
      assertEquals(20, runtime.profile().channel("air.pm25").intervalS(), "the new interval is in the announced profile");
      assertTrue(runtime.profile().id() != profileBefore);
      Awaitility.await("the birth status says version 2, confirmed").atMost(Duration.ofSeconds(20))
          .until(() -> platform.status(POLE) != null && platform.status(POLE).configVersion() == 2 && platform.status(POLE).configConfirmed());
      assertTrue(Files.readString(runtime.stateRoot().resolve("config/current.json")).contains("\"version\": \"2\""));
    }
    // a restart on the same state: the stored version 2 runs, and the retained push is seen again
    try (EdgeRuntime runtime = start(v1, Clock.systemUTC(), Scheduler.newThread("test-timer"), open)) {
      awaitConnected(runtime);
      assertEquals(2, runtime.config().getVersion(), "the config store's version 2 is newer than the file's 1");
      Awaitility.await("the retained push reaches the agent again").atMost(Duration.ofSeconds(30))
          .until(() -> runtime.configAgent().handled() >= 1);
      // and then a garbage push: its answer comes after anything the retained one could have caused
      platform.publish("m/" + POLE + "/c", new byte[] {1, 2, 3}, false);
      ConfigAckMessage second = platform.ack(POLE, 2);
      assertEquals(Result.REJECTED, second.result(), "the garbage's answer, not a second APPLIED: " + platform.acks(POLE));
      assertEquals(2, platform.acks(POLE).size());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokers")
  void aConfigThatCutsThePoleOffIsRevertedByItselfAndNeverTakenAgain(String kind) throws Exception {
    Platform platform = platform(kind);
    DeviceConfig v1 = config(platform, brokerUri);
    int dead;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      dead = s.getLocalPort();
    }
    String deadUri = "tcp://127.0.0.1:" + dead;
    DeviceConfig v2 = next(v1, 2, x -> x.setUplink(x.getUplink().toBuilder().setBrokerUris(0, deadUri)));
    ManualScheduler timer = new ManualScheduler();
    try (EdgeRuntime runtime = start(v1, timer.clock(Instant.now()), timer, open)) {
      awaitConnected(runtime);
      platform.publish("m/" + POLE + "/c", platform.signed(v2, 2, POLE, 120), true);
      Awaitility.await("the guard runs and the pole tries the dead broker").atMost(Duration.ofSeconds(30))
          .until(() -> runtime.configAgent().guard() != null && runtime.configAgent().guard().version() == 2
              && !runtime.uplinkStats().lastError().isEmpty() && runtime.link().state() != io.mast.runtime.uplink.Link.State.CONNECTED);
      timer.advance(Duration.ofSeconds(119));
      assertEquals(2, runtime.config().getVersion(), "119 s into a grace of 120 s nothing is reverted");
      assertEquals(2, runtime.configAgent().guard().version());
      assertEquals(0, platform.acks(POLE).size(), "no acknowledgement could reach the broker");
      timer.advance(Duration.ofSeconds(1));
      ConfigAckMessage reverted = platform.ack(POLE, 1);
      assertEquals(Result.REVERTED, reverted.result(), platform.acks(POLE).toString());
      assertEquals(2, reverted.version());
      assertEquals(1, reverted.activeVersion());
      assertTrue(reverted.errors().get(0).startsWith("the broker was not reached within 120 s of applying version 2"), reverted.errors().toString());
      assertEquals(1, runtime.config().getVersion());
      assertTrue(Files.readString(runtime.stateRoot().resolve("config/current.json")).contains("\"version\": \"1\""));
      // the retained version 2 came again with the new subscription: it is not taken again
      ConfigAckMessage again = platform.ack(POLE, 2);
      assertEquals(Result.REJECTED, again.result(), platform.acks(POLE).toString());
      assertEquals(List.of("version 2 is not newer than 2, the newest this pole has taken (and reverted)"), again.errors());
      assertFalse(platform.acks(POLE).stream().anyMatch(a -> a.result() == Result.APPLIED), "the withdrawn APPLIED never went out");
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> platform.status(POLE).configConfirmed()
          && platform.status(POLE).configVersion() == 1);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokers")
  void aPoleWhoseClockSays1970TakesAPushAndItsClockFloorKeepsExpiredMessagesOutAfterARestart(String kind) throws Exception {
    Platform platform = platform(kind);
    DeviceConfig v1 = config(platform, brokerUri);
    ManualScheduler timer = new ManualScheduler();
    Clock in1970 = timer.clock(Instant.ofEpochSecond(86_400));
    long signedAt = Instant.now().getEpochSecond() - 5;
    try (EdgeRuntime runtime = start(v1, in1970, timer, open)) {
      awaitConnected(runtime);
      platform.publish("m/" + POLE + "/c", platform.signed(next(v1, 2, x -> x.setUplink(x.getUplink().toBuilder().setKeepaliveS(900))),
          2, POLE, 0), true);
      assertEquals(Result.APPLIED, platform.ack(POLE, 1).result(), "a clock at 1970 cannot call a fresh push 'not valid yet'");
      Awaitility.await("confirmed before the restart").atMost(Duration.ofSeconds(20))
          .until(() -> platform.status(POLE).configVersion() == 2 && platform.status(POLE).configConfirmed());
    }
    ManualScheduler timer2 = new ManualScheduler();
    try (EdgeRuntime runtime = start(v1, timer2.clock(Instant.ofEpochSecond(86_400)), timer2, open)) {
      awaitConnected(runtime);
      long now = Instant.now().getEpochSecond();
      byte[] set = new ConfigSetMessage(3, next(v1, 3, x -> x).toByteArray(), 0).toBytes();
      platform.publish("m/" + POLE + "/c", platform.signed(SignedControl.Type.CONFIG_SET, set, POLE, now - 7200, now - 3600,
          platform.key.getPrivate()), true);
      ConfigAckMessage ack = platform.ack(POLE, 2);
      assertEquals(Result.REJECTED, ack.result(), ack.toString());
      String poleTime = ack.errors().get(0).replaceAll(".*the pole's time is ", "");
      assertTrue(Instant.parse(poleTime).getEpochSecond() >= signedAt,
          "after a restart still at 1970 the pole's time is the floor, the last push's issue time: " + ack.errors());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokers")
  void aTechniciansEditTakesTheSameApplyAndIsReportedToThePlatform(String kind) throws Exception {
    Platform platform = platform(kind);
    DeviceConfig v1 = config(platform, brokerUri);
    try (EdgeRuntime runtime = start(v1, Clock.systemUTC(), Scheduler.newThread("test-timer"), open)) {
      awaitConnected(runtime);
      DeviceConfig edit = next(runtime.config(), 2, x -> x.setAlarms(1, x.getAlarms(1).toBuilder().setAbove(900)));
      ConfigAckMessage answer = runtime.configAgent().submit(edit, ConfigAckMessage.CONSOLE, 600).get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals(Result.APPLIED, answer.result(), answer.toString());
      assertEquals(List.of("alarms[gas.ch4].above"), answer.changed());
      ConfigAckMessage reported = platform.ack(POLE, 1);
      assertEquals(ConfigAckMessage.CONSOLE, reported.origin());
      assertEquals(2, reported.version());
      DeviceConfig stale = next(runtime.config(), 2, x -> x.setAlarms(1, x.getAlarms(1).toBuilder().setAbove(800)));
      ConfigAckMessage refused = runtime.configAgent().submit(stale, ConfigAckMessage.CONSOLE, 600).get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals(Result.REJECTED, refused.result());
      assertEquals(List.of("version 2 is not newer than 2"), refused.errors());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokers")
  void recordsStoredBeforeAChannelChangeAreSentUnderTheirOldProfileAndASensorThatDoesNotOpenIsAWarning(String kind) throws Exception {
    Platform platform = platform(kind);
    DeviceConfig v1 = config(platform, brokerUri);
    ManualScheduler timer = new ManualScheduler();
    try (EdgeRuntime runtime = start(v1, timer.clock(Instant.now()), timer, open)) {
      awaitConnected(runtime);
      io.mast.protocol.ChannelProfile before = runtime.profile();
      for (int i = 0; i < 6; i++) {
        step(timer, runtime);
      }
      Awaitility.await("frames under the first profile").atMost(Duration.ofSeconds(30)).until(() -> platform.count("m/" + POLE + "/t") >= 3);
      DeviceConfig v2 = next(v1, 2, x -> x.setSensors(0, x.getSensors(0).toBuilder().setIntervalS(30))
          .addSensors(Sensor.newBuilder().setId("co2-2").setChannel("air.co2.b").setDriver(io.mast.config.model.DriverKind.MHZ19)
              .setBus("sim:missing").setQuantity("co2").setIntervalS(10).setUnit("ppm")));
      platform.publish("m/" + POLE + "/c", platform.signed(v2, 2, POLE, 0), true);
      ConfigAckMessage ack = platform.ack(POLE, 1);
      assertEquals(Result.APPLIED, ack.result(), ack.toString());
      assertEquals(1, ack.warnings().size(), ack.toString());
      assertTrue(ack.warnings().get(0).contains("sim:missing"), ack.warnings().toString());
      io.mast.protocol.ChannelProfile after = runtime.profile();
      long framesBefore = platform.count("m/" + POLE + "/t");
      for (int i = 0; i < 9; i++) {
        step(timer, runtime);
      }
      Awaitility.await("frames under the new profile").atMost(Duration.ofSeconds(30))
          .until(() -> platform.count("m/" + POLE + "/t") >= framesBefore + 2);
      java.util.Map<Integer, Integer> byProfile = new java.util.HashMap<>();
      io.mast.protocol.FrameDecoder[] decoders = {new io.mast.protocol.FrameDecoder(before), new io.mast.protocol.FrameDecoder(after)};
      List<Platform.Message> frames;
      synchronized (platform.messages) {
        frames = platform.messages.stream().filter(m -> m.topic().equals("m/" + POLE + "/t")).toList();
      }
      for (Platform.Message m : frames) {
        io.mast.protocol.DecodedFrame decoded = null;
        for (io.mast.protocol.FrameDecoder d : decoders) {
          try {
            decoded = d.decode(m.payload());
          } catch (io.mast.protocol.FrameFormatException e) {
            // the other profile's
          }
        }
        assertTrue(decoded != null, "every frame decodes under a profile the platform was sent");
        byProfile.merge(decoded.profileId(), 1, Integer::sum);
        if (decoded.profileId() == after.id()) {
          int pm25 = after.channel("air.pm25").id();
          decoded.readings().stream().filter(r -> r.channel() == pm25).forEach(r -> assertEquals(0, r.time() % 30, "pm2.5 every 30 s now"));
        }
      }
      assertTrue(byProfile.getOrDefault(before.id(), 0) >= 3 && byProfile.getOrDefault(after.id(), 0) >= 1, byProfile.toString());
      assertTrue(runtime.uplinkStats().droppedRecords() == 0);
    }
  }
}

package io.mast.devkit;

import io.mast.config.DeviceConfigs;
import io.mast.config.model.DeviceConfig;
import io.mast.config.model.DriverKind;
import io.mast.config.model.ModbusRegister;
import io.mast.config.model.Sensor;
import io.mast.config.model.TrustedKey;
import io.mast.protocol.Ed25519Keys.NamedPublicKey;
import io.mast.runtime.EdgeRuntime;
import io.mast.runtime.uplink.Link;
import io.mast.seams.DurableFiles;
import io.mast.seams.PoleThreads;
import io.mast.sim.SimulatedBoard;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The poles of {@code mast fleet}: each the whole runtime ({@link EdgeRuntime}: sampler, ring
 * store, frame cutter, uplink, config agent, console service without transports, OTA agent) on its
 * own {@link FleetBoard}, state directory and client id, all on one set of shared threads
 * ({@link PoleThreads#shared}) and one pool of {@value #OPEN_FILES} file descriptors
 * ({@link DurableFiles#pooled}): a pole alone keeps about 16 files open. What a pole cannot share
 * is its MQTT client's threads and socket.
 */
final class FleetPoles implements AutoCloseable {
  /** What the poles are given. */
  record Setup(int sensors, int intervalS, int batchS, String broker, String group, NamedPublicKey trust) {}

  /** Sums over the poles at one moment. */
  record Totals(int poles, int connected, long stored, long framesSent, long framesAcked, long readingsAcked, long backlog) {}

  private final Setup setup;
  private final Path root;
  /** Descriptors the poles' files share (see {@link DurableFiles#pooled}). */
  static final int OPEN_FILES = 4_000;

  private final PoleThreads threads = PoleThreads.shared("fleet");
  private final DurableFiles files = DurableFiles.pooled(DurableFiles.real(), OPEN_FILES);
  /** The real lock of the poles' tree: each pole's store lock is held in this process only. */
  private final java.io.Closeable treeLock;
  private final List<EdgeRuntime> poles = new CopyOnWriteArrayList<>();
  private final DeviceConfig config;

  FleetPoles(Setup setup, Path root) throws IOException {
    this.setup = setup;
    this.root = root;
    this.config = config(setup);
    DurableFiles.real().createDirectories(root);
    this.treeLock = DurableFiles.real().lock(root.resolve("lock"));
  }

  /** The device id of pole {@code i} (from 1). */
  static String id(int i) {
    return String.format("fleet-%05d", i);
  }

  /** K Modbus sensors every {@code intervalS}, a 1 MiB store, the batch window, no budget, no console port. */
  static DeviceConfig config(Setup s) throws IOException {
    DeviceConfig base = SimulatedBoard.exampleConfig();
    List<Sensor> sensors = new ArrayList<>();
    for (int i = 0; i < s.sensors(); i++) {
      sensors.add(Sensor.newBuilder().setId("q" + i).setChannel("water.q" + i).setDriver(DriverKind.MODBUS_RTU)
          .setBus(FleetBoard.BUS).setAddress(1).setIntervalS(s.intervalS()).setExponent(-1).setUnit("mg/L")
          .setRegister(ModbusRegister.newBuilder().setFunction(4).setRegister(i)).build());
    }
    DeviceConfig.Builder b = base.toBuilder().clearSensors().addAllSensors(sensors).clearAlarms();
    b.getIdentityBuilder().clearGroups().addGroups(s.group());
    b.getUplinkBuilder().clearBrokerUris().addBrokerUris(s.broker()).setBatchWindowS(s.batchS()).setDailyByteBudget(0);
    b.getStoreBuilder().setCapacityBytes(1 << 20);
    b.getConsoleBuilder().setSerialPort("");
    b.getTrustBuilder().clearKeys();
    if (s.trust() != null) {
      b.getTrustBuilder().addKeys(TrustedKey.newBuilder().setKeyId(s.trust().keyId())
          .setEd25519Public(com.google.protobuf.ByteString.copyFrom(s.trust().raw())));
    }
    return DeviceConfigs.effective(b.build());
  }

  /** Starts pole {@code i} (from 1): its runtime and its OTA agent (downloads and checks offers; no slots to install into). */
  void start(int i) throws IOException {
    String id = id(i);
    EdgeRuntime r = EdgeRuntime.start(new EdgeRuntime.Options(config, id, List.of(setup.broker()), root.resolve(id),
        new FleetBoard(setup.sensors(), i), null, null, 1, -1, "fleet", files), Clock.systemUTC(), threads);
    try {
      r.startOta(null);
    } catch (IOException | RuntimeException e) {
      r.close();
      throw e;
    }
    poles.add(r);
  }

  /** The config every pole starts with (each with its own device id). */
  DeviceConfig config() {
    return config;
  }

  List<EdgeRuntime> poles() {
    return poles;
  }

  /** Poles connected now: their uplinks' states only (cheap enough for a look every 100 ms). */
  int connected() {
    int n = 0;
    for (EdgeRuntime p : poles) {
      if (p.uplinkStats().state() == Link.State.CONNECTED) {
        n++;
      }
    }
    return n;
  }

  /** Sums over every pole; reads each store's figures, so a summary's pace, not a poll's. */
  Totals totals() {
    int connected = 0;
    long stored = 0;
    long sent = 0;
    long acked = 0;
    long readings = 0;
    long backlog = 0;
    for (EdgeRuntime p : poles) {
      io.mast.runtime.core.Pole.Snapshot s;
      try {
        s = p.snapshot();
      } catch (IOException e) {
        continue; // a pole stopping: its figures are in the next summary
      }
      if (s.link() == Link.State.CONNECTED) {
        connected++;
      }
      stored += s.stored();
      sent += s.framesSent();
      acked += s.framesAcked();
      readings += s.readingsAcked();
      backlog += s.unacked();
    }
    return new Totals(poles.size(), connected, stored, sent, acked, readings, backlog);
  }

  /** Stops every pole, {@code parallel} at a time (each sends its last frame and waits a bounded time for it). */
  void stop(int parallel) throws InterruptedException {
    ExecutorService stoppers = Executors.newFixedThreadPool(parallel);
    for (EdgeRuntime p : poles) {
      stoppers.execute(p::close);
    }
    stoppers.shutdown();
    stoppers.awaitTermination(10, TimeUnit.MINUTES);
  }

  @Override
  public void close() throws IOException {
    threads.close();
    treeLock.close();
  }
}

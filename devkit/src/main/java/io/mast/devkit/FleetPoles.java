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
  /**
   * What the poles are given. With {@code slots} each pole has A/B slots and the real launcher
   * ({@link FleetSlots}), so an update installs, is tried and commits or rolls back; the first
   * {@code trialCrashes} poles' trial starts fail at once (an update that does not start on some
   * boards), so the launcher rolls them back.
   */
  record Setup(int sensors, int intervalS, int batchS, String broker, String group, NamedPublicKey trust, boolean slots,
      int trialCrashes) {
    Setup(int sensors, int intervalS, int batchS, String broker, String group, NamedPublicKey trust) {
      this(sensors, intervalS, batchS, broker, group, trust, false, 0);
    }
  }

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
  /** A restarted pole's figures from its earlier starts: stored, frames sent, frames acked, readings acked. */
  private final java.util.Map<String, long[]> carried = new java.util.concurrent.ConcurrentHashMap<>();
  /** Restarts asked for by the poles (an update installed, a trial given up), a few at a time. */
  private final ExecutorService restarts = Executors.newFixedThreadPool(4, r -> {
    Thread t = new Thread(r, "fleet-restart");
    t.setDaemon(true);
    return t;
  });
  private volatile boolean stopping;
  private final java.util.concurrent.atomic.AtomicLong restarted = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong crashedStarts = new java.util.concurrent.atomic.AtomicLong();

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

  /**
   * Starts pole {@code i} (from 1): its runtime and its OTA agent. Without slots the agent
   * downloads and checks offers only; with them the launcher picks the slot first, and a restart
   * the pole asks for (an update installed, a trial given up) is made here, as systemd would.
   */
  void start(int i) throws IOException {
    start(i, null);
  }

  private void start(int i, EdgeRuntime replacing) throws IOException {
    String id = id(i);
    Path slotRoot = setup.slots() ? root.resolve(id).resolve("root") : null;
    String slot = null;
    if (slotRoot != null) {
      FleetSlots.layout(files, slotRoot);
      slot = bootSlot(i, slotRoot);
    }
    EdgeRuntime r = EdgeRuntime.start(new EdgeRuntime.Options(config, id, List.of(setup.broker()), root.resolve(id),
        new FleetBoard(setup.sensors(), i), null, null, 1, -1, "fleet", files), Clock.systemUTC(), threads);
    try {
      r.startOta(slotRoot, slot, io.mast.runtime.ota.OtaAgent.TRIAL_DEADLINE);
    } catch (IOException | RuntimeException e) {
      r.close();
      throw e;
    }
    if (replacing == null) {
      poles.add(r);
    } else {
      poles.set(poles.indexOf(replacing), r);
    }
    if (slotRoot != null) {
      r.restartRequested().thenRun(() -> {
        try {
          restarts.execute(() -> restart(i, r));
        } catch (java.util.concurrent.RejectedExecutionException e) {
          // the fleet is stopping: the pole is closed with the others
        }
      });
    }
  }

  /**
   * The launcher's choice for pole {@code i}; a start of a trial slot of a pole among the first
   * {@code trialCrashes} fails at once and the launcher runs again (it rolls back after its tries).
   */
  private String bootSlot(int i, Path slotRoot) throws IOException {
    try {
      for (int start = 0; start < 10; start++) {
        String slot = FleetSlots.launch(files, slotRoot);
        if (i > setup.trialCrashes() || !io.mast.ota.BootState.read(files, slotRoot).trial().equals(slot)) {
          return slot;
        }
        crashedStarts.incrementAndGet();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while the launcher ran");
    }
    throw new IOException("the launcher under " + slotRoot + " chose a crashing trial slot 10 times");
  }

  /** Pole {@code i} stops (sending what it holds) and starts again through the launcher; its figures carry over. */
  private void restart(int i, EdgeRuntime old) {
    old.close();
    try {
      io.mast.runtime.core.Pole.Snapshot s = old.snapshot();
      carried.merge(old.deviceId(), new long[] {s.stored(), s.framesSent(), s.framesAcked(), s.readingsAcked()}, (a, b) -> {
        for (int k = 0; k < a.length; k++) {
          a[k] += b[k];
        }
        return a;
      });
    } catch (IOException e) {
      System.err.println("fleet: " + old.deviceId() + "'s figures before its restart are lost: " + e.getMessage());
    }
    if (stopping) {
      return;
    }
    try {
      start(i, old);
      restarted.incrementAndGet();
    } catch (IOException | RuntimeException e) {
      System.err.println("fleet: " + old.deviceId() + " did not start again: " + e);
    }
  }

  /** Restarts made for the poles, and trial starts that crashed (with --slots). */
  long restarted() {
    return restarted.get();
  }

  long crashedStarts() {
    return crashedStarts.get();
  }

  /** Readings pole {@code p} had acknowledged over all its starts. */
  long readingsAcked(EdgeRuntime p) {
    long[] c = carried.get(p.deviceId());
    return p.uplinkStats().readingsAcked() + (c == null ? 0 : c[3]);
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
      long[] c = carried.getOrDefault(p.deviceId(), NOTHING);
      stored += s.stored() + c[0];
      sent += s.framesSent() + c[1];
      acked += s.framesAcked() + c[2];
      readings += s.readingsAcked() + c[3];
      backlog += s.unacked();
    }
    return new Totals(poles.size(), connected, stored, sent, acked, readings, backlog);
  }

  private static final long[] NOTHING = new long[4];

  /** Stops every pole, {@code parallel} at a time (each sends its last frame and waits a bounded time for it). */
  void stop(int parallel) throws InterruptedException {
    stopping = true;
    restarts.shutdown();
    restarts.awaitTermination(2, TimeUnit.MINUTES); // a restart under way ends before the poles are stopped
    ExecutorService stoppers = Executors.newFixedThreadPool(parallel);
    for (EdgeRuntime p : poles) {
      stoppers.execute(p::close);
    }
    stoppers.shutdown();
    stoppers.awaitTermination(10, TimeUnit.MINUTES);
  }

  @Override
  public void close() throws IOException {
    restarts.shutdownNow();
    threads.close();
    treeLock.close();
  }
}

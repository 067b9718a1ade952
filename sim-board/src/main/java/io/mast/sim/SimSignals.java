package io.mast.sim;

import io.mast.config.model.DeviceConfig;
import io.mast.config.model.Sensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Plausible, slowly changing values for every channel of a simulated board, so that
 * {@code mast run --sim} shows live data: gauges wander around a typical level for their
 * quantity (a bounded random walk), counters (meters) advance by a few units per step.
 * Deterministic for a seed. Call {@link #step()} from a timer, or let {@link #live} do it.
 */
public final class SimSignals {
  private record Walk(String channel, boolean counter, long typical, long spread) {}

  private final SimulatedBoard board;
  private final Random random;
  private final Map<String, Walk> walks = new LinkedHashMap<>();
  private final Map<String, Long> values = new LinkedHashMap<>();
  /** Meter status channels (0 or 1, or a status word): not signals to wander. */
  private static final java.util.Set<String> STATUS =
      java.util.Set.of("valve_closed", "valve_fault", "battery_low", "tamper", "status", "cover_opened");

  public SimSignals(SimulatedBoard board, DeviceConfig config, long seed) {
    this.board = board;
    this.random = new Random(seed);
    for (Sensor s : config.getSensorsList()) {
      if (STATUS.contains(s.getQuantity())) {
        continue; // a status flag stays as the board set it: 0, a valve open, a battery fine
      }
      long scale = pow10(-s.getExponent());
      long typical = typical(s) * scale / 100;
      // mains voltage stays within a few percent of 230 V; other gauges wander by a fifth
      long spread = Math.max(1, Math.abs(typical) / (s.getQuantity().startsWith("voltage") ? 50 : 5));
      walks.put(s.getChannel(), new Walk(s.getChannel(), s.getCounter(), typical, spread));
      values.put(s.getChannel(), s.getCounter() ? 1000 * scale : typical);
    }
  }

  /** Typical value in hundredths of the channel's unit. */
  private static long typical(Sensor s) {
    String q = s.getQuantity().isEmpty() ? s.getChannel() : s.getQuantity();
    if (q.contains("pm2") || q.contains("pm1")) {
      return 1200;
    } else if (q.contains("pm10")) {
      return 2000;
    } else if (q.contains("co2")) {
      return 42000;
    } else if (q.contains("ph")) {
      return 720;
    } else if (q.contains("turbidity")) {
      return 150;
    } else if (q.contains("ch4")) {
      return 500;
    } else if (q.contains("rsrp")) {
      return -9500;
    } else if (q.contains("sinr")) {
      return 800;
    } else if (q.contains("temperature")) {
      return 1500;
    } else if (q.startsWith("voltage")) {
      return 23000;
    } else if (q.startsWith("current")) {
      return 480;
    } else if (q.startsWith("power")) {
      return 110;
    } else if (q.equals("supply_temp")) {
      return 6500;
    } else if (q.equals("return_temp")) {
      return 4200;
    }
    return 10000;
  }

  private static long pow10(int e) {
    long p = 1;
    for (int i = 0; i < Math.abs(e); i++) {
      p *= 10;
    }
    return e >= 0 ? p : 1;
  }

  /**
   * Makes {@code board} move like a live pole: one step now, then one a second on a daemon
   * thread. The board and that thread go first into {@code resources} (closed in list order),
   * so the signals stop before the board closes.
   *
   * @return the board, for chaining
   */
  public static SimulatedBoard live(SimulatedBoard board, DeviceConfig config, List<AutoCloseable> resources) {
    resources.add(0, board);
    SimSignals signals = new SimSignals(board, config, 1);
    signals.step();
    ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "mast-sim-signals");
      t.setDaemon(true);
      return t;
    });
    ticker.scheduleAtFixedRate(signals::step, 1, 1, TimeUnit.SECONDS);
    resources.add(0, ticker::shutdownNow);
    return board;
  }

  /** Moves every channel one step and sets it on the board. */
  public synchronized void step() {
    for (Walk w : walks.values()) {
      long v = values.get(w.channel());
      if (w.counter()) {
        v += random.nextInt(4);
      } else {
        long delta = Math.round(random.nextGaussian() * Math.max(1, w.spread() / 4.0));
        v = Math.max(w.typical() - w.spread() * 3, Math.min(w.typical() + w.spread() * 3, v + delta));
      }
      values.put(w.channel(), v);
      try {
        board.set(w.channel(), v);
      } catch (RuntimeException e) {
        // a channel the board cannot drive (out of the device's range) keeps its last value
      }
    }
  }
}

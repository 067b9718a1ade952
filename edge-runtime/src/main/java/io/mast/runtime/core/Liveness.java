package io.mast.runtime.core;

import io.mast.runtime.health.ControlGate;
import io.mast.runtime.uplink.Uplink;
import io.mast.seams.Scheduler;
import io.mast.store.RingStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Whether the pole's own work still turns, for a supervisor's watchdog (systemd's under
 * {@code mast run}): a heartbeat on the timer that drives sampling, the uplink loop, the store's
 * group commit, and the agents' work (an {@link Error} that stopped a piece of it). A watchdog pings only while {@link #stuck()} is empty. Thread-safe.
 */
final class Liveness {
  /** How long the sampling timer may go without running its heartbeat before it counts as stuck. */
  static final Duration TIMER_STUCK = Duration.ofSeconds(15);

  private final Scheduler timer;
  private final BooleanSupplier closed;
  private final Uplink uplink;
  private final RingStore store;
  private final ControlGate gate;
  /** System.nanoTime() of the last heartbeat on the timer; 0 before {@link #watch}. */
  private volatile long heartbeat;

  Liveness(Scheduler timer, BooleanSupplier closed, Uplink uplink, RingStore store, ControlGate gate) {
    this.timer = timer;
    this.closed = closed;
    this.uplink = uplink;
    this.store = store;
    this.gate = gate;
  }

  /** Starts the timer's heartbeat (every second); once is enough. */
  void watch() {
    if (heartbeat == 0) {
      beat();
    }
  }

  private void beat() {
    heartbeat = System.nanoTime();
    if (!closed.getAsBoolean()) {
      timer.schedule(Duration.ofSeconds(1), this::beat);
    }
  }

  /**
   * What has stopped, empty when all of it turns: the timer (after {@link #watch}), the uplink
   * loop, the group commit, and no agent's work stopped by an error.
   */
  List<String> stuck() {
    List<String> out = new ArrayList<>();
    long beat = heartbeat;
    if (beat != 0 && System.nanoTime() - beat > TIMER_STUCK.toNanos()) {
      out.add("the sampling timer has not run for " + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - beat) + " s");
    }
    String u = uplink.stuck(Duration.ofSeconds(90));
    if (u != null) {
      out.add(u);
    }
    String st = store.stuck(Duration.ofSeconds(30));
    if (st != null) {
      out.add(st);
    }
    for (String fault : gate.faults()) {
      out.add("an error stopped work of " + fault);
    }
    return out;
  }
}

package io.mast.runtime.core;

import io.mast.config.model.DeviceConfig;
import io.mast.seams.Scheduler;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The pole's two periodic chains on the timer: the batch window's frame cut and the health
 * heartbeat. A new config with other periods starts new chains; the old ones stop at their next
 * run (each chain checks its number), so a change never doubles a chain. Runs on the timer's
 * thread only.
 */
final class Windows {
  private final Scheduler timer;
  private final BooleanSupplier closed;
  private final Runnable cut;
  private final Runnable health;
  /** Bumped when the batch window or the heartbeat changes, so the old timer chain stops. */
  private final AtomicLong windowChain = new AtomicLong();
  private final AtomicLong healthChain = new AtomicLong();

  Windows(Scheduler timer, BooleanSupplier closed, Runnable cut, Runnable health) {
    this.timer = timer;
    this.closed = closed;
    this.cut = cut;
    this.health = health;
  }

  /** The cuts and the heartbeat on the periods of {@code c}; the first heartbeat within 10 s at start. */
  void schedule(DeviceConfig c, boolean atStart) {
    Duration window = Duration.ofSeconds(c.getUplink().getBatchWindowS());
    every(window, window, cut, windowChain, windowChain.incrementAndGet());
    Duration heartbeat = Duration.ofSeconds(c.getUplink().getHealthIntervalS());
    Duration first = atStart ? Duration.ofSeconds(Math.min(10, heartbeat.toSeconds())) : heartbeat;
    every(first, heartbeat, health, healthChain, healthChain.incrementAndGet());
  }

  /** Runs {@code task} after {@code first}, then every {@code period}, while the chain's number is still {@code number}. */
  private void every(Duration first, Duration period, Runnable task, AtomicLong chain, long number) {
    timer.schedule(first, () -> {
      if (!closed.getAsBoolean() && chain.get() == number) {
        task.run();
        every(period, period, task, chain, number);
      }
    });
  }
}

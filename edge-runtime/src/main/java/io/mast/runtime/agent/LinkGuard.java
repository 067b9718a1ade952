package io.mast.runtime.agent;

import io.mast.config.ConfigStore;
import io.mast.config.model.DeviceConfig;
import io.mast.protocol.ConfigAckMessage;
import io.mast.protocol.ConfigAckMessage.Result;
import io.mast.protocol.ControlRefusedException;
import io.mast.runtime.core.Pole;
import io.mast.runtime.uplink.Link;
import io.mast.seams.Scheduler;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import org.tinylog.Logger;

/**
 * The link guard: a config is pending until its {@code APPLIED} acknowledgement reached the
 * broker. If that has not happened within the grace period, the previous config is applied and
 * stored again, the uplink reconnects with it, and {@code REVERTED} says why. Runs on the agent's
 * thread; the timer only queues work there.
 */
final class LinkGuard {
  private final Pole pole;
  private final ConfigStore store;
  private final GuardStateFile state;
  private final ConfigAcks acks;
  private final Scheduler timer;
  private final Clock clock;
  private final Executor worker;
  /** The config in force changed: its topics are subscribed (the agent's). */
  private final Runnable resubscribe;
  private long number;
  private volatile ConfigAgent.Guard armed;
  private volatile boolean closed;

  LinkGuard(Pole pole, ConfigStore store, GuardStateFile state, ConfigAcks acks, Scheduler timer, Clock clock, Executor worker,
      Runnable resubscribe) {
    this.pole = pole;
    this.store = store;
    this.state = state;
    this.acks = acks;
    this.timer = timer;
    this.clock = clock;
    this.worker = worker;
    this.resubscribe = resubscribe;
  }

  /** The guard that runs, or null when the config in force is confirmed. Any thread. */
  ConfigAgent.Guard armed() {
    return armed;
  }

  /** Version {@code version} was applied: it reverts unless confirmed within {@code graceS}. */
  void arm(long version, int graceS) {
    long n = ++number;
    timer.schedule(Duration.ofSeconds(graceS), () -> worker.execute(() -> expired(n, version)));
    armed = new ConfigAgent.Guard(version, clock.instant().plusSeconds(graceS));
  }

  /** The config in force is confirmed (or needs no proof): nothing pending, the guard disarmed. */
  void settle() {
    state.save(state.get().settled());
    number++;
    armed = null;
    pole.confirmed(true);
  }

  private void expired(long n, long version) {
    GuardState s = state.get();
    if (closed || n != number || s.pendingVersion() != version) {
      return;
    }
    Link link = pole.link();
    String lastError = pole.uplinkStats().lastError();
    String why = "the broker was not reached within " + s.pendingGraceS() + " s of applying version "
        + Long.toUnsignedString(version) + (link.state() == Link.State.CONNECTED ? "" : " (the link is " + link.state().name().toLowerCase()
        + (lastError.isEmpty() ? "" : ": " + lastError) + ")");
    Logger.warn("config: {}; going back to the previous config", why);
    revert(version, why);
  }

  /** Puts the previous config back (runtime, then store), settles the guard and sends REVERTED. */
  void revert(long version, String why) {
    acks.withdrawApplied();
    String origin = state.get().pendingOrigin().isEmpty() ? ConfigAckMessage.PLATFORM : state.get().pendingOrigin();
    DeviceConfig previous = store.previous();
    DeviceConfig current = store.current();
    DeviceConfig back = current != null && current.getVersion() == version ? previous : current;
    if (back == null) {
      Logger.error("config: no previous config to go back to; version {} stays", Long.toUnsignedString(version));
      return;
    }
    try {
      pole.apply(back);
      if (current != null && current.getVersion() == version) {
        store.revert();
      }
    } catch (ControlRefusedException | IOException e) {
      Logger.error("config: going back to version {} failed: {}", Long.toUnsignedString(back.getVersion()), e.getMessage());
    }
    settle();
    resubscribe.run();
    acks.send(new ConfigAckMessage(version, Result.REVERTED, List.of(why), back.getVersion(), origin, List.of(), List.of()));
  }

  void close() {
    closed = true;
  }
}

package io.mast.runtime.sampling;

import io.mast.drivers.ChannelSpec;
import io.mast.drivers.SensorDriver;
import io.mast.protocol.ChannelProfile;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One driver as the sampler runs it: its channels' ids and intervals, its tick (the greatest
 * common divisor of the intervals), the executor it samples on, whether a sample is in progress,
 * and whether it is open, with the backoff after a failure (1 s doubling to 5 min). Its open state
 * is its executor's alone.
 */
final class DriverRunner {
  private static final long MAX_REOPEN_MS = 300_000;

  final SensorDriver driver;
  final Executor executor;
  final int[] channelIds;
  final long[] intervals;
  final long step;
  final AtomicBoolean busy = new AtomicBoolean();
  private final Clock clock;
  boolean open;
  int failures;
  long reopenAtMillis;

  DriverRunner(SensorDriver driver, Executor executor, boolean open, ChannelProfile profile, Clock clock) {
    this.driver = driver;
    this.executor = executor;
    this.open = open;
    this.clock = clock;
    List<ChannelSpec> specs = driver.channels();
    channelIds = new int[specs.size()];
    intervals = new long[specs.size()];
    long g = 0;
    for (int i = 0; i < specs.size(); i++) {
      var channel = profile.channel(specs.get(i).channel());
      channelIds[i] = channel.id();
      intervals[i] = channel.intervalS();
      g = gcd(g, intervals[i]);
    }
    step = Math.max(1, g);
  }

  /** The indexes of the channels due at grid time {@code time} (Unix seconds). */
  List<Integer> due(long time) {
    List<Integer> due = new ArrayList<>();
    for (int i = 0; i < channelIds.length; i++) {
      if (Math.floorMod(time, intervals[i]) == 0) {
        due.add(i);
      }
    }
    return due;
  }

  /** Opens it unless it is open; a failure closes it, sets its backoff ({@link #lost}) and is thrown. */
  void open() throws IOException {
    if (open) {
      return;
    }
    try {
      driver.open();
      open = true;
    } catch (IOException | RuntimeException e) {
      lost();
      throw e;
    }
  }

  /** Opens it unless it is open; the failure as a line naming the driver, or null. */
  String openNow() {
    try {
      open();
      return null;
    } catch (IOException | RuntimeException e) {
      return driver.name() + ": " + e.getMessage();
    }
  }

  /** It failed: closed, and when to open it again set. Returns the wait in milliseconds. */
  long lost() {
    driver.close();
    open = false;
    failures++;
    long wait = Math.min(MAX_REOPEN_MS, 1000L << Math.min(failures - 1, 20));
    reopenAtMillis = clock.millis() + wait;
    return wait;
  }

  private static long gcd(long a, long b) {
    return b == 0 ? a : gcd(b, a % b);
  }
}

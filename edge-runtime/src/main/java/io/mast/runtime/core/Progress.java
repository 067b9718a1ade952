package io.mast.runtime.core;

import io.mast.store.RingStore;
import io.mast.store.StoreStats;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * How far the pole has got: whether the input has ended (a replay played out, a
 * {@code --duration} passed) and whether everything stored is acknowledged. Waits are woken by
 * {@link #moved()} (the uplink calls it when acknowledgements move or the link changes state),
 * never by polling, and each is bounded. Thread-safe.
 */
final class Progress {
  private final RingStore store;
  private final Object monitor = new Object();
  private final CountDownLatch fed = new CountDownLatch(1);

  Progress(RingStore store) {
    this.store = store;
  }

  /** Something moved: acknowledgements, the link's state, the input's end, a restart asked for. */
  void moved() {
    synchronized (monitor) {
      monitor.notifyAll();
    }
  }

  /** The input has ended; nothing more will be stored. */
  void inputEnded() {
    fed.countDown();
    moved();
  }

  /** Waits, woken by {@link #moved()}, until {@code done} holds or {@code timeout} passed; returns whether it holds. */
  boolean await(BooleanSupplier done, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (monitor) {
      while (!done.getAsBoolean()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(monitor, left);
      }
      return true;
    }
  }

  /** Whether every record stored, readings and alarms, is acknowledged (false when the store cannot say). */
  boolean allAcknowledged() {
    try {
      StoreStats s = store.stats();
      return s.readings().ackedSeq() >= s.readings().lastSeq() && s.alarms().ackedSeq() >= s.alarms().lastSeq();
    } catch (IOException e) {
      return false;
    }
  }

  /** True once the input has ended and everything stored is acknowledged. */
  boolean finished() {
    return fed.getCount() == 0 && allAcknowledged();
  }
}

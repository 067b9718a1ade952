package io.mast.runtime.uplink;

import java.util.concurrent.TimeUnit;

/**
 * How the uplink thread waits: until woken or a deadline, whichever first. A wake that comes
 * while the thread is busy is kept, so the next wait returns at once and nothing is missed.
 */
final class Turns {
  private final Object signal = new Object();
  private boolean woken;
  private boolean stopped;

  /** Any thread, never blocks. */
  void wake() {
    synchronized (signal) {
      woken = true;
      signal.notifyAll();
    }
  }

  /** Wakes the thread for good: no wait blocks from now on. */
  void stop() {
    synchronized (signal) {
      stopped = true;
      signal.notifyAll();
    }
  }

  /** Waits at most {@code nanos} unless woken since the last wait; false once interrupted. */
  boolean await(long nanos) {
    synchronized (signal) {
      try {
        if (!woken && !stopped && nanos > 0) {
          TimeUnit.NANOSECONDS.timedWait(signal, nanos);
        }
        return true;
      } catch (InterruptedException e) {
        return false;
      } finally {
        woken = false;
      }
    }
  }
}

package io.mast.runtime.agent;

import io.mast.runtime.core.Pole;
import io.mast.seams.SerialExecutor;
import java.time.Duration;
import org.tinylog.Logger;

/**
 * An agent's own queue (one at a time, in order, on the pole's threads) for what arrives from the broker (the remote console's commands, the OTA
 * agent's offers and chunks): Paho's thread hands work over and returns at once; at most
 * {@code queue} pieces wait, more are dropped and counted, so a burst from the broker costs a
 * bounded amount of memory. Work that throws is logged, and the queue goes on; an {@link Error}
 * is also kept by the pole's {@link io.mast.runtime.health.ControlGate}, so the watchdog and
 * health show it. Thread-safe.
 */
public final class AgentWorker {
  private final String name;
  private final SerialExecutor executor;
  private volatile long handled;
  private volatile long dropped;

  /** @param pole whose threads the work runs on: a queue of {@code queue} named {@code name} is taken from them */
  public AgentWorker(Pole pole, String name, int queue) {
    this.name = name;
    this.executor = pole.threads().serial(name, queue).onError(e -> pole.gate().fault(name, e));
  }

  /** Queues {@code work}; false (and counted as dropped) when the queue is full or the worker closed. */
  public boolean offer(Runnable work) {
    boolean queued = executor.offer(() -> {
      try {
        work.run();
      } catch (RuntimeException e) {
        Logger.error("{}: {}", name, e.toString());
      } finally {
        handled++;
      }
    });
    if (!queued) {
      dropped++;
    }
    return queued;
  }

  /** Pieces of work run so far (whatever became of them). */
  public long handled() {
    return handled;
  }

  /** Pieces of work dropped because the queue was full. */
  public long dropped() {
    return dropped;
  }

  /** Takes no more work and waits up to 5 s for what is queued. */
  public void close() throws InterruptedException {
    executor.shutdown();
    executor.awaitIdle(Duration.ofSeconds(5));
  }
}

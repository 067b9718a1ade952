package io.mast.runtime.agent;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/**
 * An agent's own thread for what arrives from the broker (the remote console's commands, the OTA
 * agent's offers and chunks): Paho's thread hands work over and returns at once; at most
 * {@code queue} pieces wait, more are dropped and counted, so a burst from the broker costs a
 * bounded amount of memory. Work that throws is logged, and the thread goes on. Thread-safe.
 */
public final class AgentWorker {
  private final String name;
  private final ThreadPoolExecutor executor;
  private volatile long handled;
  private volatile long dropped;

  public AgentWorker(String name, int queue) {
    this.name = name;
    this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(queue), r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
  }

  /** Queues {@code work}; false (and counted as dropped) when the queue is full or the worker closed. */
  public boolean offer(Runnable work) {
    try {
      executor.execute(() -> {
        try {
          work.run();
        } catch (RuntimeException e) {
          Logger.error("{}: {}", name, e.toString());
        } finally {
          handled++;
        }
      });
      return true;
    } catch (RejectedExecutionException e) {
      dropped++;
      return false;
    }
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
    executor.awaitTermination(5, TimeUnit.SECONDS);
  }
}

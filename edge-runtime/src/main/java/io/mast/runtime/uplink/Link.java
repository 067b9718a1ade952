package io.mast.runtime.uplink;

import io.mast.protocol.Topics;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The pole's MQTT connection as the agents use it (config, console, OTA): publish a message and
 * learn when the broker has it, subscribe to a topic filter, watch the connection. The uplink
 * owns the connection and sends telemetry and alarms itself; agents' messages go after alarms and
 * before telemetry, and are not held by the daily budget.
 *
 * <p><b>Threads.</b> Every method may be called from any thread and returns at once. Futures
 * complete, handlers and listeners run, on the uplink's or Paho's threads: they must not block
 * (hand work to an executor of your own).
 */
public interface Link {
  /** What the connection is doing. */
  enum State { CONNECTING, CONNECTED, WAITING, STOPPED }

  /**
   * Publishes {@code payload} on this device's topic of {@code kind} at QoS 1. The future
   * completes when the broker's PUBACK arrives; it fails if the connection is lost first (the
   * message may or may not have arrived: send it again if it matters), if the link stops, or at
   * once if {@value Uplink#OUTBOX} messages already wait (nothing is queued without bound).
   * Messages given while the link is down wait for the next connection; cancelling the future
   * of one that still waits withdraws it.
   */
  CompletableFuture<Void> publish(Topics.Kind kind, byte[] payload, boolean retained);

  /**
   * Subscribes to {@code topicFilter} (MQTT wildcards allowed) at QoS 1 for as long as the
   * returned subscription is open: after every reconnect the subscription is made again, and
   * retained messages then arrive again; each arrival reaches {@code handler} once, as
   * ({@code topic}, {@code payload}). The handler runs on Paho's receive thread and must not
   * block; an exception from it is logged and the message dropped.
   */
  Subscription subscribe(String topicFilter, BiConsumer<String, byte[]> handler);

  /**
   * Whether an agent's bulk transfer (OTA chunks, which the agent asks for when it chooses) may
   * go on now: the daily byte budget is not spent and no telemetry waits to be sent (the window
   * of frames full, or the bandwidth cap holding it). Telemetry and alarms go first.
   */
  boolean bulkAllowed();

  /** Counts {@code bytes} of an agent's bulk transfer received from the broker against the daily budget (a metered link bills both ways). */
  void spendBulk(long bytes);

  /** This device's topic for {@code kind}, under the configured prefix. */
  String topic(Topics.Kind kind);

  State state();

  /** Calls {@code listener} with every change of state, on the uplink thread; it must not block. */
  void onStateChange(Consumer<State> listener);

  /** An open subscription; closing it unsubscribes. */
  interface Subscription extends AutoCloseable {
    @Override
    void close();
  }
}

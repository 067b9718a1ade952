package io.mast.runtime.uplink;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import org.tinylog.Logger;

/**
 * The agents' subscriptions and the connection's, kept in line: agents subscribe and unsubscribe
 * from any thread; the uplink thread {@link #sync}s the connection, subscribing only the filters
 * it lacks (a SUBSCRIBE of a filter the connection has makes the broker send its retained message
 * again: a 35 KB OTA offer, on a metered link) and unsubscribing the filters no agent wants.
 * Messages from the broker go to every open subscription whose filter matches.
 */
final class SubscriptionSync {
  private record Sub(String filter, BiConsumer<String, byte[]> handler) {}

  private final Map<Object, Sub> subscriptions = new ConcurrentHashMap<>();
  private final Queue<String> unsubscribed = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean resubscribe = new AtomicBoolean();
  /** The filters subscribed on the current connection (uplink thread only). */
  private final Set<String> subscribed = new HashSet<>();
  private final Runnable wake;

  /** @param wake makes the uplink thread turn; any thread, never blocks */
  SubscriptionSync(Runnable wake) {
    this.wake = wake;
  }

  /** An agent's subscription, made on the connection at the uplink thread's next turn. Any thread. */
  Link.Subscription subscribe(String filter, BiConsumer<String, byte[]> handler) {
    Object key = new Object();
    subscriptions.put(key, new Sub(filter, handler));
    resubscribe.set(true);
    wake.run();
    return () -> {
      if (subscriptions.remove(key) != null && subscriptions.values().stream().noneMatch(s -> s.filter().equals(filter))) {
        unsubscribed.add(filter);
        wake.run();
      }
    };
  }

  /** A new connection has no subscription: every filter again, and their retained messages with them. */
  void connected() {
    subscribed.clear();
    resubscribe.set(true);
  }

  /** Whether the connection lags the agents' subscriptions. */
  boolean pending() {
    return resubscribe.get() || !unsubscribed.isEmpty();
  }

  /** On the uplink thread: brings the connection's subscriptions in line with the agents'. */
  void sync(PahoSession session) throws IOException {
    // the flag is taken before the agents' filters are read: one added meanwhile sets it again
    boolean subscribe = resubscribe.getAndSet(false);
    List<String> wanted = subscriptions.values().stream().map(Sub::filter).distinct().toList();
    for (String filter; (filter = unsubscribed.poll()) != null; ) {
      if (!wanted.contains(filter) && subscribed.remove(filter)) {
        session.unsubscribe(filter);
      }
    }
    if (subscribe) {
      List<String> fresh = wanted.stream().filter(f -> !subscribed.contains(f)).toList();
      if (!fresh.isEmpty()) {
        session.subscribe(fresh);
        subscribed.addAll(fresh);
      }
    }
  }

  /** A message from the broker, on Paho's thread: to every open subscription whose filter matches. */
  void deliver(String topic, byte[] payload) {
    for (Sub s : subscriptions.values()) {
      if (PahoSession.matches(s.filter(), topic)) {
        try {
          s.handler().accept(topic, payload);
        } catch (RuntimeException e) {
          Logger.error(e, "uplink: the handler of {} failed on a message of {} bytes on {}; dropped", s.filter(), payload.length, topic);
        }
      }
    }
  }
}

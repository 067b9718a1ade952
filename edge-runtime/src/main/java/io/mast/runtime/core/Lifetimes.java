package io.mast.runtime.core;

import java.util.ArrayDeque;
import java.util.Deque;
import org.tinylog.Logger;

/**
 * What the core started, in order, to stop in reverse: its own parts (the store first, the input
 * last) and then the agents the composition added. Stopping goes on past a part that fails to
 * stop (logged), so one broken part never keeps the store from its last group commit. Used under
 * the core's lock.
 */
final class Lifetimes {
  /** One started part and how to stop it. */
  private record Step(String what, AutoCloseable stop) {}

  /** Called right before a part is stopped, with that part. */
  interface BeforeStop {
    void before(AutoCloseable part);
  }

  private final Deque<Step> started = new ArrayDeque<>();

  void add(String what, AutoCloseable stop) {
    started.push(new Step(what, stop));
  }

  /** Stops everything started, newest first; {@code before} sees each part first. */
  void stopAll(BeforeStop before) {
    while (!started.isEmpty()) {
      Step step = started.pop();
      before.before(step.stop());
      try {
        step.stop().close();
      } catch (Exception e) {
        Logger.error("runtime: stopping {} failed: {}", step.what(), e.getMessage());
      }
    }
  }
}

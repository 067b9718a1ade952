package io.mast.runtime.uplink;

import io.mast.runtime.uplink.Link.State;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.tinylog.Logger;

/** The link's state and who listens to its changes; set on the uplink thread, read from any. */
final class LinkStates {
  private final List<Consumer<State>> listeners = new CopyOnWriteArrayList<>();
  private final Runnable progress;
  private volatile State state = State.CONNECTING;

  /** @param progress run after every {@link #set}, changed or not; it must return at once */
  LinkStates(Runnable progress) {
    this.progress = progress;
  }

  State get() {
    return state;
  }

  void listen(Consumer<State> listener) {
    listeners.add(listener);
  }

  /** The new state: its listeners hear of a change (a failing one is logged), then progress runs. */
  void set(State next) {
    if (state != next) {
      state = next;
      for (Consumer<State> l : listeners) {
        try {
          l.accept(next);
        } catch (RuntimeException e) {
          Logger.error(e, "uplink: a state listener failed");
        }
      }
    }
    progress.run();
  }

  /** Stopped, told to no one: the uplink thread said so already, or never ran. */
  void stopped() {
    state = State.STOPPED;
  }
}

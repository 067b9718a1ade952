package io.mast.runtime.agent;

import io.mast.protocol.ConfigAckMessage;
import io.mast.protocol.ConfigAckMessage.Result;
import io.mast.protocol.Topics;
import io.mast.runtime.health.ControlGate;
import io.mast.runtime.uplink.Link;
import io.mast.seams.Scheduler;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.tinylog.Logger;

/**
 * The config agent's answers on {@code ca}: each sent until the broker has it (again every
 * {@link #ACK_RETRY} while it fails and still matters), a refusal of the same push said once,
 * and the {@code APPLIED} answer of the pending config kept so a revert can withdraw it.
 * A push that did not verify is counted by the pole's gate and answered only while the gate's
 * answer budget lasts, and not sent again: a flood of forgeries cannot make the pole publish an
 * answer each on its metered link.
 * Runs on the agent's thread; completions come back to it through {@code worker}.
 */
final class ConfigAcks {
  /** How long after a failed acknowledgement it is sent again. */
  static final Duration ACK_RETRY = Duration.ofSeconds(5);

  /** What the agent does with an answer the broker took. */
  interface Delivered {
    void delivered(ConfigAckMessage ack);
  }

  private final Link link;
  private final Scheduler timer;
  private final Executor worker;
  private final LongSupplier versionInForce;
  /** Whether a failed answer still matters and is sent again. */
  private final Predicate<ConfigAckMessage> stillMatters;
  private final Delivered delivered;
  private final ControlGate gate;
  /** The APPLIED acknowledgement of the pending config while it waits for the link; withdrawn by a revert. */
  private CompletableFuture<Void> pendingAck;
  private byte[] lastIgnored;
  private volatile boolean closed;

  ConfigAcks(Link link, Scheduler timer, Executor worker, LongSupplier versionInForce, Predicate<ConfigAckMessage> stillMatters,
      Delivered delivered, ControlGate gate) {
    this.gate = gate;
    this.link = link;
    this.timer = timer;
    this.worker = worker;
    this.versionInForce = versionInForce;
    this.stillMatters = stillMatters;
    this.delivered = delivered;
  }

  /** Sends {@code ack}; an APPLIED one that reaches the broker confirms its config. Sent again while it fails. */
  void send(ConfigAckMessage ack) {
    send(ack, true);
  }

  private void send(ConfigAckMessage ack, boolean again) {
    if (closed) {
      return;
    }
    CompletableFuture<Void> sent = link.publish(Topics.Kind.CONFIG_ACK, ack.toBytes(), false);
    if (ack.result() == Result.APPLIED) {
      pendingAck = sent;
    }
    sent.whenComplete((v, failure) -> worker.execute(() -> {
      if (failure == null) {
        delivered.delivered(ack);
      } else if (again && (ack.result() != Result.APPLIED || stillMatters.test(ack))) {
        Logger.debug("config: the {} acknowledgement of version {} failed ({}); sending it again", ack.result(),
            Long.toUnsignedString(ack.version()), failure.getMessage());
        timer.schedule(ACK_RETRY, () -> worker.execute(() -> send(ack)));
      }
    }));
  }

  /** The pending config's APPLIED answer, if still waiting for the link, is not sent after all. */
  void withdrawApplied() {
    if (pendingAck != null) {
      pendingAck.cancel(false);
      pendingAck = null;
    }
  }

  /**
   * Refuses a push from the broker, unless this very payload was refused last (a retained push seen
   * again): counted and logged by the gate; answered {@code REJECTED} when {@code verified}, or
   * else only while the gate's answer budget lasts, and then once.
   */
  void refuseOnce(byte[] payload, long version, List<String> reasons, boolean verified) {
    String why = String.join("; ", reasons);
    String line = "config: " + (version == 0 ? "a push" : "version " + Long.toUnsignedString(version)) + " refused: " + why;
    if (Arrays.equals(payload, lastIgnored)) {
      gate.refused(ControlGate.Topic.CONFIG, why, line, true); // counted; answered already
      return;
    }
    lastIgnored = payload;
    if (gate.refused(ControlGate.Topic.CONFIG, why, line, verified)) {
      send(new ConfigAckMessage(version, Result.REJECTED, reasons, versionInForce.getAsLong(), ConfigAckMessage.PLATFORM, List.of(),
          List.of()), verified);
    }
  }

  /** Refuses version {@code version} from {@code origin} on the pole (not from the broker): logged and answered {@code REJECTED}; returns the answer. */
  ConfigAckMessage refuse(long version, String origin, List<String> reasons) {
    Logger.warn("config: {} refused: {}", version == 0 ? "a push" : "version " + Long.toUnsignedString(version), String.join("; ", reasons));
    ConfigAckMessage ack = new ConfigAckMessage(version, Result.REJECTED, reasons, versionInForce.getAsLong(), origin, List.of(), List.of());
    send(ack);
    return ack;
  }

  void close() {
    closed = true;
  }
}

package io.mast.runtime.health;

import io.mast.seams.QuietLog;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.tinylog.Logger;

/**
 * What a pole lets in on its control topics, and what it says about the rest: anyone who can
 * publish to the broker can send a pole garbage and forged envelopes as fast as the broker lets
 * them, so the cost of each must be bounded before anything is spent on it.
 *
 * <ul>
 *   <li><b>Counted.</b> Per topic: received, refused, dropped before verification, emptied for
 *       being over the inbound cap, the latest refusal. Health carries them.
 *   <li><b>Verification on a budget.</b> A signature check is the costly step (an Ed25519 verify
 *       is about 0.1 ms on a PC and 1 to 2 ms on a Pi-class board). Each signed topic has a token
 *       bucket of {@value #VERIFY_BURST} checks refilled at {@value #VERIFY_PER_SECOND} a second:
 *       a message that finds it empty is dropped and counted at the socket (the uplink asks
 *       {@link #admit(String)} once it has read the message's topic), before the MQTT client
 *       allocates, dispatches or queues it. So a flood costs at most {@value #VERIFY_PER_SECOND} checks a second per
 *       topic (about 1 % of one core on the board), whatever its rate; the platform's own
 *       pushes, offers and commands come at human pace, far below it.
 *   <li><b>Said once a minute.</b> Refusals and drops are logged through a {@link QuietLog}: one
 *       line per reason per minute with the count of the others.
 *   <li><b>Answers on a budget.</b> A refusal of a message with no trusted signature (garbage, a
 *       forgery, an unknown key) is answered to the platform (one signing with a key the pole does
 *       not trust must hear why) only while the topic's answer budget lasts ({@link #refused}): a
 *       flood cannot make the pole publish an answer per forgery on its metered link.
 *   <li><b>Faults.</b> An {@link Error} in an agent's work (out of memory, a stack overflow, a
 *       class that did not load) is kept: the watchdog's {@code stuck()} and health both show it,
 *       and the supervisor restarts the pole, rather than letting the agent go on in a state no one
 *       knows.
 * </ul>
 *
 * Thread-safe.
 */
public final class ControlGate {
  /** Signature checks a second each signed topic is allowed, sustained. */
  public static final int VERIFY_PER_SECOND = 5;
  /** Signature checks a signed topic may make at once after a quiet spell. */
  public static final int VERIFY_BURST = 20;
  /** Answers to refused messages with no trusted signature, an hour, per topic, sustained. */
  public static final int ANSWERS_PER_HOUR = 6;
  /** Answers to refused messages with no trusted signature a topic may send at once after a quiet spell. */
  public static final int ANSWER_BURST = 5;
  /** Faults kept, newest last. */
  static final int FAULTS = 4;

  /** The control topics, by suffix; group topics count with the pole's own of the same kind. */
  public enum Topic {
    CONFIG("c", true), CONSOLE("x", true), OTA_OFFER("o", true), OTA_CHUNK("od", false);

    private final String suffix;
    private final boolean signed;

    Topic(String suffix, boolean signed) {
      this.suffix = suffix;
      this.signed = signed;
    }

    public String suffix() {
      return suffix;
    }

    /** The control topic a full topic name ends in ({@code m/pole-3/c}, {@code m/@north/c}), or null. */
    static Topic ofTopicName(String topicName) {
      return ofSuffix(topicName.substring(topicName.lastIndexOf('/') + 1));
    }

    /** The topic of a suffix, or null when it is not a control topic. */
    private static Topic ofSuffix(String suffix) {
      for (Topic t : values()) {
        if (t.suffix.equals(suffix)) {
          return t;
        }
      }
      return null;
    }
  }

  /** One topic's counts. */
  public record Counts(Topic topic, long received, long refused, long dropped, long oversized, String lastRefusal) {}

  /** A token bucket on the gate's clock. Guarded by itself. */
  private static final class Bucket {
    private final double burst;
    private final double perNano;
    private double tokens;
    private long refilledAt;

    Bucket(double burst, double perSecond, long now) {
      this.burst = burst;
      this.perNano = perSecond / 1e9;
      this.tokens = burst;
      this.refilledAt = now;
    }

    synchronized boolean take(long now) {
      tokens = Math.min(burst, tokens + (now - refilledAt) * perNano);
      refilledAt = now;
      if (tokens < 1) {
        return false;
      }
      tokens -= 1;
      return true;
    }
  }

  private static final class Tally {
    final AtomicLong received = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong oversized = new AtomicLong();
    volatile String lastRefusal = "";
    final Bucket checks;
    final Bucket answers;

    Tally(long now) {
      checks = new Bucket(VERIFY_BURST, VERIFY_PER_SECOND, now);
      answers = new Bucket(ANSWER_BURST, ANSWERS_PER_HOUR / 3600.0, now);
    }
  }

  private final LongSupplier nanos;
  private final QuietLog log;
  private final Map<Topic, Tally> tallies = new EnumMap<>(Topic.class);
  private final Deque<String> faults = new ArrayDeque<>();

  /** @param nanos the clock of the budget and the log ({@code System::nanoTime}) */
  public ControlGate(LongSupplier nanos) {
    this(nanos, new QuietLog(nanos, Logger::warn));
  }

  ControlGate(LongSupplier nanos, QuietLog log) {
    this.nanos = nanos;
    this.log = log;
    long now = nanos.getAsLong();
    for (Topic t : Topic.values()) {
      tallies.put(t, new Tally(now));
    }
  }

  /**
   * A message arrived on the topic named {@code topicName} (any topic: only control topics are
   * counted and budgeted): as {@link #admit(Topic)}; true for other topics. Called by the uplink
   * for each message, before the MQTT client reads its payload.
   */
  public boolean admit(String topicName) {
    Topic t = Topic.ofTopicName(topicName);
    return t == null || admit(t);
  }

  /**
   * A message arrived on {@code topic}: counted; true if it may go on to its queue and be
   * verified, false (dropped and counted, said once a minute) when the topic's verification
   * budget is spent. On Paho's thread: cheap, never blocks.
   */
  public boolean admit(Topic topic) {
    Tally y = tallies.get(topic);
    y.received.incrementAndGet();
    if (!topic.signed) {
      return true;
    }
    boolean ok = y.checks.take(nanos.getAsLong());
    if (!ok) {
      dropped(topic, "more than " + VERIFY_PER_SECOND + " a second (" + VERIFY_BURST + " at once) to verify");
    }
    return ok;
  }

  /** A message on {@code topic} dropped unread ({@code why}: its queue was full, the budget spent): counted, said once a minute. */
  public void dropped(Topic topic, String why) {
    tallies.get(topic).dropped.incrementAndGet();
    log.say("control: a message on '" + topic.suffix + "' dropped before verification: " + why);
  }

  /**
   * A message on {@code topic} refused, {@code line} saying what and why: counted, logged once a
   * minute per reason. True when the refusal may be answered: always when a trusted key signed
   * the message ({@code signed}: a trusted signer's mistake, at most the verification budget's
   * rate); otherwise only while the topic's answer budget lasts, {@value #ANSWER_BURST} at once
   * and {@value #ANSWERS_PER_HOUR} an hour after that (a platform that signs with a key the pole
   * does not trust hears why; a flood of forgeries gets almost nothing back: at worst some 150
   * answers a day per topic).
   */
  public boolean refused(Topic topic, String why, String line, boolean signed) {
    Tally y = tallies.get(topic);
    y.refused.incrementAndGet();
    y.lastRefusal = cut(why);
    log.say(line);
    return signed || y.answers.take(nanos.getAsLong());
  }

  /** Something else an outsider can repeat (a bad chunk, a reply not delivered): said once a minute per reason. */
  public void say(String line) {
    log.say(line);
  }

  /**
   * The uplink emptied a message of {@code bytes} bytes on {@code topicName} (over the inbound
   * cap) before the MQTT client read it: counted on its control topic, said once a minute.
   */
  public void oversized(String topicName, long bytes) {
    Topic t = Topic.ofTopicName(topicName);
    if (t != null) {
      tallies.get(t).oversized.incrementAndGet();
      tallies.get(t).received.incrementAndGet();
    }
    log.say("control: a message of " + bytes + " bytes on '" + topicName + "' is over the inbound cap; emptied unread");
  }

  /** An error stopped a piece of {@code where}'s work (logged where it was caught): kept for the watchdog and health. */
  public void fault(String where, Throwable e) {
    synchronized (faults) {
      if (faults.size() == FAULTS) {
        faults.removeFirst();
      }
      faults.addLast(cut(where + ": " + e));
    }
  }

  /** {@code text} cut to a log line's length: what health carries of an outsider's text is bounded too. */
  private static String cut(String text) {
    return text.length() > QuietLog.LINE_CHARS ? text.substring(0, QuietLog.LINE_CHARS) : text;
  }

  /** The errors that stopped an agent's work, newest last; empty while there is none. */
  public List<String> faults() {
    synchronized (faults) {
      return List.copyOf(faults);
    }
  }

  /** Every topic's counts, in the order of {@link Topic}. */
  public List<Counts> counts() {
    List<Counts> out = new ArrayList<>();
    tallies.forEach((t, y) -> out.add(new Counts(t, y.received.get(), y.refused.get(), y.dropped.get(), y.oversized.get(), y.lastRefusal)));
    return out;
  }

  /** Log lines the gate has written since start (refusals, drops, oversized messages, with their counts). */
  public long linesSaid() {
    return log.said();
  }

  /** Says the counts of lines held back whose minute has passed; the pole's timer calls it every minute. */
  public void flush() {
    log.flush();
  }
}

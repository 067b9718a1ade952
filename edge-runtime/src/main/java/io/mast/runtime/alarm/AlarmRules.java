package io.mast.runtime.alarm;

import io.mast.config.model.AlarmRule;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.Reading;
import io.mast.store.AlarmEvent;
import java.util.ArrayList;
import java.util.List;
import org.tinylog.Logger;

/**
 * The device config's alarm rules, evaluated on every reading as it is stored.
 *
 * <p>A rule watches one channel with a threshold {@code above}, {@code below} or both (a band).
 * It is <b>raised</b> once the value has been outside continuously for {@code hold_s} seconds of
 * reading time (at once for 0), and <b>cleared</b> once the value is back inside by at least
 * {@code hysteresis} steps, so a value hovering at the threshold does not flap. Each transition
 * is one {@link AlarmEvent} carrying the reading that caused it and the threshold crossed. Times
 * are the readings' own, so replayed data raises the same alarms as live data.
 *
 * <p>State is in memory: after a restart a condition still present is raised again once its
 * hold time has passed again. Not thread safe; the caller serialises readings.
 */
public final class AlarmRules {
  private static final class Rule {
    final int index;
    final int channel;
    final Long above;
    final Long below;
    final long hysteresis;
    final long holdS;
    long since = -1;
    boolean raised;
    long raisedThreshold;

    Rule(int index, int channel, AlarmRule r) {
      this.index = index;
      this.channel = channel;
      this.above = r.hasAbove() ? r.getAbove() : null;
      this.below = r.hasBelow() ? r.getBelow() : null;
      this.hysteresis = r.getHysteresis();
      this.holdS = r.getHoldS();
    }
  }

  private final List<Rule> rules = new ArrayList<>();
  private final Rule[][] byChannel;

  /** Rules of {@code config} whose channels are in {@code profile}; the others are logged and skipped. */
  public AlarmRules(List<AlarmRule> config, ChannelProfile profile) {
    List<List<Rule>> lists = new ArrayList<>();
    for (int i = 0; i < profile.size(); i++) {
      lists.add(new ArrayList<>());
    }
    for (int i = 0; i < config.size(); i++) {
      AlarmRule r = config.get(i);
      var channel = profile.channels().stream().filter(c -> c.name().equals(r.getChannel())).findFirst();
      if (channel.isEmpty()) {
        Logger.warn("alarm rule {} watches channel '{}', which this run does not have; it is not evaluated", i, r.getChannel());
        continue;
      }
      if (!r.hasAbove() && !r.hasBelow()) {
        Logger.warn("alarm rule {} on '{}' has neither above nor below; it is not evaluated", i, r.getChannel());
        continue;
      }
      Rule rule = new Rule(i, channel.get().id(), r);
      rules.add(rule);
      lists.get(rule.channel).add(rule);
    }
    byChannel = lists.stream().map(l -> l.toArray(new Rule[0])).toArray(Rule[][]::new);
  }

  /** Number of rules evaluated. */
  public int size() {
    return rules.size();
  }

  /** The transitions {@code reading} causes, usually none. */
  public List<AlarmEvent> evaluate(Reading reading) {
    if (reading.channel() >= byChannel.length || byChannel[reading.channel()].length == 0) {
      return List.of();
    }
    List<AlarmEvent> events = new ArrayList<>(1);
    long v = reading.mantissa();
    for (Rule r : byChannel[reading.channel()]) {
      boolean over = r.above != null && v > r.above;
      boolean under = r.below != null && v < r.below;
      if (!r.raised) {
        if (!over && !under) {
          r.since = -1;
          continue;
        }
        if (r.since < 0) {
          r.since = reading.time();
        }
        if (reading.time() - r.since >= r.holdS) {
          r.raised = true;
          r.raisedThreshold = over ? r.above : r.below;
          events.add(new AlarmEvent(r.index, true, r.raisedThreshold, reading));
        }
      } else {
        boolean backBelow = r.above == null || v <= satSub(r.above, r.hysteresis);
        boolean backAbove = r.below == null || v >= satAdd(r.below, r.hysteresis);
        if (backBelow && backAbove) {
          r.raised = false;
          r.since = -1;
          events.add(new AlarmEvent(r.index, false, r.raisedThreshold, reading));
        }
      }
    }
    return events;
  }

  private static long satSub(long a, long b) {
    long r = a - b;
    return ((a ^ b) & (a ^ r)) < 0 ? Long.MIN_VALUE : r;
  }

  private static long satAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }
}

package io.mast.runtime.alarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.config.model.AlarmRule;
import io.mast.protocol.Channel;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.Reading;
import io.mast.store.AlarmEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AlarmRulesTest {
  private static final ChannelProfile PROFILE = ChannelProfile.of(List.of(
      new Channel(0, "air.pm25", "ug/m3", 0, 10, Channel.Kind.GAUGE, ""),
      new Channel(1, "water.ph", "pH", -2, 60, Channel.Kind.GAUGE, "")));

  private static List<AlarmEvent> feed(AlarmRules rules, int channel, long startTime, long step, long... values) {
    List<AlarmEvent> events = new ArrayList<>();
    for (int i = 0; i < values.length; i++) {
      events.addAll(rules.evaluate(new Reading(channel, startTime + i * step, values[i])));
    }
    return events;
  }

  @Test
  void aboveRaisesOnlyAfterTheHoldTimeAndClearsOnlyBelowTheHysteresis() {
    AlarmRules rules = new AlarmRules(List.of(AlarmRule.newBuilder().setChannel("air.pm25").setAbove(50).setHysteresis(5).setHoldS(30).build()), PROFILE);
    // 10 s readings: over at t=10..40 (raised at t=40, 30 s after t=10), 47 does not clear, 45 does
    List<AlarmEvent> events = feed(rules, 0, 0, 10, 40, 60, 61, 62, 63, 47, 52, 45, 44);
    assertEquals(2, events.size(), events.toString());
    assertTrue(events.get(0).raised());
    assertEquals(40, events.get(0).reading().time());
    assertEquals(50, events.get(0).threshold());
    assertEquals(45, events.get(1).reading().mantissa());
    assertTrue(!events.get(1).raised());
  }

  @Test
  void aDipInsideTheHoldTimeRestartsIt() {
    AlarmRules rules = new AlarmRules(List.of(AlarmRule.newBuilder().setChannel("air.pm25").setAbove(50).setHoldS(20).build()), PROFILE);
    assertEquals(List.of(), feed(rules, 0, 0, 10, 60, 60, 40, 60, 60));
    assertEquals(1, feed(rules, 0, 50, 10, 60).size(), "20 s after the restart at t=30");
  }

  @Test
  void aBandRaisesOnEitherSideWithTheThresholdCrossed() {
    AlarmRules rules = new AlarmRules(List.of(AlarmRule.newBuilder().setChannel("water.ph").setAbove(850).setBelow(650).setHysteresis(10).build()), PROFILE);
    List<AlarmEvent> events = feed(rules, 1, 0, 60, 700, 640, 655, 661, 900);
    assertEquals(3, events.size(), events.toString());
    assertEquals(650, events.get(0).threshold());
    assertEquals(661, events.get(1).reading().mantissa());
    assertEquals(850, events.get(2).threshold());
  }

  @Test
  void rulesOnChannelsThisRunDoesNotHaveAreSkipped() {
    AlarmRules rules = new AlarmRules(List.of(AlarmRule.newBuilder().setChannel("gas.ch4").setAbove(1).build(),
        AlarmRule.newBuilder().setChannel("air.pm25").setAbove(1).build()), PROFILE);
    assertEquals(1, rules.size());
    assertEquals(1, feed(rules, 0, 0, 10, 5).get(0).rule(), "the index in the config is kept");
  }
}

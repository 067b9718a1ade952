package io.mast.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TopicsTest {
  @Test
  void defaultTopicsAreShort() {
    Topics t = Topics.standard();
    assertEquals("m/pole-17/t", t.topic("pole-17", Topics.Kind.TELEMETRY));
    assertEquals("m/pole-17/os", t.topic("pole-17", Topics.Kind.OTA_STATUS));
    assertEquals("m/+/p", t.filter(Topics.Kind.PROFILE));
  }

  @Test
  void topicsParseBackToDeviceAndKindForEveryKind() {
    for (String prefix : new String[] {"m/{device}/", "city/poles/{device}/v1/"}) {
      Topics t = Topics.withPrefix(prefix);
      for (Topics.Kind kind : Topics.Kind.values()) {
        assertEquals(Optional.of(new Topics.Parsed("p1", kind)), t.parse(t.topic("p1", kind)));
      }
    }
  }

  @Test
  void foreignTopicsParseToNothing() {
    Topics t = Topics.standard();
    assertEquals(Optional.empty(), t.parse("m/p1/zz"));
    assertEquals(Optional.empty(), t.parse("other/p1/t"));
    assertEquals(Optional.empty(), t.parse("m/a/b/t"));
    assertEquals(Optional.empty(), t.parse("m//t"));
  }

  @Test
  void badPrefixesAndDeviceIdsAreRefusedWithTheValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Topics.withPrefix("m/+/{device}/"));
    assertEquals("topic prefix 'm/+/{device}/' must not contain MQTT wildcards", e.getMessage());
    IllegalArgumentException d = assertThrows(IllegalArgumentException.class, () -> Topics.standard().topic("a/b", Topics.Kind.TELEMETRY));
    assertEquals("device id 'a/b' must be one non-empty topic level without / + # or NUL", d.getMessage());
  }

  @Test
  void aGroupTopicTakesTheDeviceLevelWithAMarkNoDeviceIdCanHold() {
    Topics t = Topics.withPrefix("city/{device}/v1/");
    assertEquals("city/@north-3/v1/c", t.groupTopic("north-3", Topics.Kind.CONFIG_SET));
    assertEquals(Optional.of(new Topics.Parsed("@north-3", Topics.Kind.CONFIG_SET)), t.parse("city/@north-3/v1/c"));
    assertEquals(Optional.of("north-3"), t.group("city/@north-3/v1/o"));
    assertEquals(Optional.empty(), t.group("city/pole-7/v1/o"), "a device's topic is no group's");
    assertEquals(Optional.empty(), t.group("m/@north-3/o"), "another scheme's topic is no group's");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.groupTopic("a/b", Topics.Kind.CONFIG_SET));
    assertEquals("group 'a/b' must be 1 to 64 letters, digits, . _ or -", e.getMessage());
    assertEquals(false, Topics.isGroupName(""));
    assertEquals(false, Topics.isGroupName("x".repeat(65)));
  }

  @Test
  void configSetsAndAcksRoundTripAndRefuseWhatTheyAreNot() throws Exception {
    ConfigSetMessage set = new ConfigSetMessage(7, new byte[] {1, 2, 3}, 0);
    ConfigSetMessage back = ConfigSetMessage.parse(set.toBytes());
    assertEquals(7, back.version());
    assertEquals(600, back.effectiveGraceS());
    assertArrayEquals(new byte[] {1, 2, 3}, back.config());
    assertThrows(FrameFormatException.class, () -> ConfigSetMessage.parse(new byte[] {(byte) 0xff}));
    assertEquals("the config set carries no version",
        assertThrows(FrameFormatException.class, () -> ConfigSetMessage.parse(new byte[0])).getMessage());
    ConfigAckMessage ack = new ConfigAckMessage(7, ConfigAckMessage.Result.APPLIED, List.of(), 7, ConfigAckMessage.PLATFORM,
        List.of("uplink.batch_window_s"), List.of("sensor pm: no port"));
    assertEquals(ack, ConfigAckMessage.parse(ack.toBytes()));
    assertEquals("version 7 APPLIED (active 7, from platform): changed uplink.batch_window_s; warnings: sensor pm: no port", ack.toString());
    assertThrows(FrameFormatException.class, () -> ConfigAckMessage.parse(new byte[0]));
  }
}

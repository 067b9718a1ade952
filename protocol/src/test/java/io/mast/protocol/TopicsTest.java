package io.mast.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
}

package io.mast.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mast.protocol.internal.pb.Profile;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChannelProfileTest {
  static final Channel CO = new Channel(0, "air.co", "mg/m3", -1, 3600, Channel.Kind.GAUGE, "CO");
  static final Channel WATER = new Channel(1, "water.meter01", "L", 0, 3600, Channel.Kind.COUNTER, "");

  @Test
  void profileRoundTripsThroughItsWireBytesWithTheSameId() throws Exception {
    ChannelProfile p = ChannelProfile.of(List.of(CO, WATER));
    ChannelProfile back = ChannelProfile.parse(p.toBytes());
    assertEquals(p, back);
    assertEquals(p.id(), back.id());
    assertEquals(WATER, back.channel("water.meter01"));
  }

  @Test
  void anyChangeToTheChannelsChangesTheProfileId() {
    ChannelProfile p = ChannelProfile.of(List.of(CO, WATER));
    ChannelProfile q = ChannelProfile.of(List.of(CO, new Channel(1, "water.meter01", "L", -3, 3600, Channel.Kind.COUNTER, "")));
    assertNotEquals(p.id(), q.id());
  }

  @Test
  void profileWhoseIdDoesNotMatchItsChannelsIsRefused() throws Exception {
    byte[] bytes = Profile.parseFrom(ChannelProfile.of(List.of(CO)).toBytes()).toBuilder().setProfileId(1).build().toByteArray();
    FrameFormatException e = assertThrows(FrameFormatException.class, () -> ChannelProfile.parse(bytes));
    assertEquals(String.format("invalid profile: profile id 00000001 does not match its channels (%s)", ChannelProfile.of(List.of(CO)).hexId()), e.getMessage());
  }

  @Test
  void profileOfAnUnknownFormatIsRefused() {
    byte[] bytes = Profile.newBuilder().setFormat(9).build().toByteArray();
    FrameFormatException e = assertThrows(FrameFormatException.class, () -> ChannelProfile.parse(bytes));
    assertEquals("unknown profile format 9 (this reader knows 1)", e.getMessage());
  }

  @Test
  void duplicateNamesAndOutOfOrderIdsAreRefused() {
    IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
        () -> ChannelProfile.of(List.of(CO, new Channel(1, "air.co", "", 0, 1, Channel.Kind.GAUGE, ""))));
    assertEquals("channel name air.co appears twice", dup.getMessage());
    IllegalArgumentException order = assertThrows(IllegalArgumentException.class, () -> ChannelProfile.of(List.of(WATER)));
    assertEquals("channel water.meter01 has id 1 at position 0; ids must be 0..n-1 in order", order.getMessage());
  }

  @Test
  void channelFormatsAndParsesExactlyItsDecimals() {
    assertEquals("2.6", CO.format(26));
    assertEquals("-0.5", CO.format(-5));
    assertEquals(26, CO.parse("2.6"));
    assertEquals(20, CO.parse("2"));
    assertEquals("1200", new Channel(0, "x", "", 2, 1, Channel.Kind.GAUGE, "").format(12));
    NumberFormatException e = assertThrows(NumberFormatException.class, () -> CO.parse("2.65"));
    assertEquals("channel air.co: 2.65 needs more precision than 10^-1 or does not fit 64 bits", e.getMessage());
    NumberFormatException nan = assertThrows(NumberFormatException.class, () -> CO.parse("n/a"));
    assertEquals("channel air.co: 'n/a' is not a decimal number", nan.getMessage());
  }
}

package io.mast.runtime.uplink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.protocol.Channel;
import io.mast.protocol.ChannelProfile;
import io.mast.seams.DurableFiles;
import io.mast.seams.FaultyFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfileHistoryTest {
  private static final ChannelProfile A = ChannelProfile.of(List.of(new Channel(0, "air.pm25", "ug/m3", 0, 10, Channel.Kind.GAUGE, "")));
  private static final ChannelProfile B = ChannelProfile.of(List.of(new Channel(0, "air.pm25", "ug/m3", 0, 60, Channel.Kind.GAUGE, ""),
      new Channel(1, "air.co2", "ppm", 0, 60, Channel.Kind.GAUGE, "")));
  private static final ChannelProfile C = ChannelProfile.of(List.of(new Channel(0, "water", "L", 0, 60, Channel.Kind.COUNTER, "")));

  @TempDir
  Path dir;

  @Test
  void recordsKeepTheProfileTheyWereTakenUnderAcrossReopening() throws Exception {
    Path file = dir.resolve("profiles");
    ProfileHistory h = ProfileHistory.open(DurableFiles.real(), file, A);
    assertEquals(A, h.forRecord(1));
    h.add(50, 3, B, 10, 0);
    ProfileHistory again = ProfileHistory.open(DurableFiles.real(), file, B);
    assertEquals(A, again.forRecord(49));
    assertEquals(B, again.forRecord(50));
    assertEquals(A, again.forAlarm(2));
    assertEquals(B, again.forAlarm(3));
    assertEquals(B, again.current());
    assertEquals(50, again.nextBoundary(10));
    assertEquals(Long.MAX_VALUE, again.nextBoundary(50));
  }

  @Test
  void aProfileWhoseRecordsAreAllAcknowledgedIsDroppedAtTheNextChange() throws Exception {
    ProfileHistory h = ProfileHistory.open(DurableFiles.real(), dir.resolve("profiles"), A);
    h.add(50, 3, B, 10, 0);
    h.add(80, 3, C, 49, 2);
    assertEquals(List.of(B, C), h.entries().stream().map(ProfileHistory.Entry::profile).toList(),
        "A's records (1..49, alarms 1..2) are all acknowledged; B's are not");
  }

  @Test
  void aDamagedHistoryIsRefusedWithItsPathNotGuessed() throws Exception {
    Path file = dir.resolve("profiles");
    ProfileHistory.open(DurableFiles.real(), file, A).add(50, 3, B, 10, 0);
    byte[] bytes = Files.readAllBytes(file);
    bytes[20] ^= 4;
    Files.write(file, bytes);
    IOException e = assertThrows(IOException.class, () -> ProfileHistory.open(DurableFiles.real(), file, B));
    assertTrue(e.getMessage().startsWith(file + ": the profile history fails its CRC-32C"), e.getMessage());
  }

  @Test
  void aPowerCutDuringAnAddLeavesTheOldHistoryOrTheNewWhole() throws Exception {
    for (int step = 0; step <= 2; step++) {
      Path d = dir.resolve("cut" + step);
      Path file = d.resolve("profiles");
      ProfileHistory.open(DurableFiles.real(), file, A);
      FaultyFiles faulty = new FaultyFiles().failAtStep(step, true);
      ProfileHistory h = ProfileHistory.open(faulty, file, A);
      try {
        h.add(50, 3, B, 10, 0);
      } catch (IOException expected) {
        // the cut
      }
      List<ChannelProfile> after = ProfileHistory.open(DurableFiles.real(), file, B).entries().stream()
          .map(ProfileHistory.Entry::profile).toList();
      assertTrue(after.equals(List.of(A)) || after.equals(List.of(A, B)), "step " + step + ": " + after);
    }
  }
}

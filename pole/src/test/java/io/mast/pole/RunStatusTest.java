package io.mast.pole;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.runtime.EdgeRuntime;
import io.mast.runtime.uplink.Link;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunStatusTest {
  private static EdgeRuntime.Snapshot snapshot(long stored, long framesAcked, long readingsAcked, long alarms, long unacked) {
    return new EdgeRuntime.Snapshot(stored, framesAcked, framesAcked, readingsAcked, alarms, 123_456, Link.State.CONNECTED,
        "tcp://10.0.0.1:1883", unacked);
  }

  @Test
  void countsSayWhatTheyCountWithTheRightPlural() {
    assertEquals("1 frame", RunStatus.count(1, "frame"));
    assertEquals("0 frames", RunStatus.count(0, "frame"));
    assertEquals("12,345 readings", RunStatus.count(12_345, "reading"));
    assertEquals("999 B", RunStatus.bytes(999));
    assertEquals("123.5 kB", RunStatus.bytes(123_456));
    assertEquals("4.5 MB", RunStatus.bytes(4_500_000));
  }

  @Test
  void theStatusLineDropsItsLeastImportantPartsToFitTheWidth() {
    EdgeRuntime.Snapshot s = snapshot(1, 1, 1, 2, 3);
    String wide = RunStatus.line(s, "10.0.0.1:1883 via the NB-IoT emulator", 200);
    assertEquals("1 reading stored, 1 acked | link up 10.0.0.1:1883 via the NB-IoT emulator | 1 frame acked | 123.5 kB sent"
        + " | 2 alarms | 3 records queued", wide);
    for (int width = 20; width <= 200; width++) {
      String line = RunStatus.line(s, "10.0.0.1:1883 via the NB-IoT emulator", width);
      assertTrue(line.length() <= width, width + ": " + line);
    }
    assertEquals("1 reading stored, 1 acked | link up 10.0.0.1:1883 via the NB-IoT emulator",
        RunStatus.line(s, "10.0.0.1:1883 via the NB-IoT emulator", 79));
    assertEquals("1 reading stored, 1 acked | link up 10.0.0.1:1883 | 1 frame acked | 123.5 kB sent | 2 alarms",
        RunStatus.line(s, "10.0.0.1:1883", 95));
  }

  @Test
  void theSummaryFits80ColumnsForADaysRunAndSaysWhatStaysUnsent() {
    List<String> done = RunStatus.summary(29.4, snapshot(18, 3, 18, 0, 0));
    assertEquals(List.of("stopped after 29.4 s: 18 readings stored, 18 acknowledged",
        "3 frames sent, 3 acknowledged, 0 alarms, 123.5 kB on the wire", "nothing left unsent"), done);
    // a day of 16 sensors at 1 Hz
    List<String> left = RunStatus.summary(86_400, snapshot(1_382_400, 5_760, 1_382_000, 12, 7));
    assertEquals("7 records left unsent in the store; they go at the next start", left.get(2));
    for (String line : left) {
      assertTrue(("mast: " + line).length() <= 80, line);
    }
  }
}

package io.mast.pole;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.cli.Cli;
import io.mast.protocol.Reading;
import io.mast.seams.ManualScheduler;
import io.mast.store.AlarmEvent;
import io.mast.store.RingStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreCommandTest {
  @TempDir
  Path dir;

  private void fill() throws Exception {
    try (ManualScheduler scheduler = new ManualScheduler();
        RingStore store = RingStore.builder(dir).capacityBytes(1 << 20).scheduler(scheduler).open()) {
      store.append(List.of(new Reading(0, 1_700_000_000L, 215), new Reading(1, 1_700_000_000L, 12)));
      store.append(new Reading(0, 1_700_000_010L, -3));
      store.append(new Reading(1, 1_700_000_010L, 14));
      store.appendAlarm(new AlarmEvent(0, true, 13, new Reading(1, 1_700_000_010L, 14)));
      scheduler.advance(Duration.ofSeconds(1));
      store.ack(1);
    }
  }

  @Test
  void dumpPrintsEveryReadingWithItsSequenceAndASummary() throws Exception {
    fill();
    Cli.Result r = Cli.run("", "store", "dump", "--dir", dir.toString());
    assertEquals(0, r.status(), r.err());
    assertEquals("""
        seq,time,channel,value
        1,2023-11-14T22:13:20Z,0,215
        1,2023-11-14T22:13:20Z,1,12
        2,2023-11-14T22:13:30Z,0,-3
        3,2023-11-14T22:13:30Z,1,14
        """, r.out());
    assertTrue(r.err().contains("lane=readings segments=1 records=3 printed=3 first_seq=1 last_seq=3 acked=1"
        + " corrupt_records=0 damaged_segments=0 truncated_tails=0 state_lost=false"), r.err());
  }

  @Test
  void dumpStartsAtTheGivenSequenceAndNamesChannelsFromAChannelList() throws Exception {
    fill();
    Path channels = dir.resolve("channels.csv");
    Files.writeString(channels, "channel,unit,exponent,interval_s,kind,description\ntemp,degC,-1,10,gauge,air temperature\npm25,ug/m3,0,10,gauge,PM2.5\n");
    Cli.Result r = Cli.run("", "store", "dump", "--dir", dir.toString(), "--from", "2", "--channels", channels.toString());
    assertEquals(0, r.status(), r.err());
    assertEquals("seq,time,channel,value,unit\n2,2023-11-14T22:13:30Z,temp,-0.3,degC\n3,2023-11-14T22:13:30Z,pm25,14,ug/m3\n", r.out());
  }

  @Test
  void dumpWithTheDeviceConfigNamesChannelsAndPrintsDecimalValuesWithUnits() throws Exception {
    fill();
    // the simulated pole's first two sensors: air.pm25 (ug/m3, 10^0) and air.pm10
    Path config = Path.of("..", "config", "examples", "sim-pole.json");
    Cli.Result r = Cli.run("", "store", "dump", "--dir", dir.toString(), "--config", config.toString());
    assertEquals(0, r.status(), r.err());
    assertEquals("""
        seq,time,channel,value,unit
        1,2023-11-14T22:13:20Z,air.pm25,215,ug/m3
        1,2023-11-14T22:13:20Z,air.pm10,12,ug/m3
        2,2023-11-14T22:13:30Z,air.pm25,-3,ug/m3
        3,2023-11-14T22:13:30Z,air.pm10,14,ug/m3
        """, r.out());
  }

  @Test
  void dumpOfTheAlarmLanePrintsRuleStateAndThreshold() throws Exception {
    fill();
    Cli.Result r = Cli.run("", "store", "dump", "--dir", dir.toString(), "--alarms");
    assertEquals("seq,time,channel,value,rule,state,threshold\n1,2023-11-14T22:13:30Z,1,14,0,raised,13\n", r.out());
  }

  @Test
  void statPrintsCapacityUseOldestUnsentAgeAndEvictions() throws Exception {
    fill();
    long before = java.time.Instant.now().getEpochSecond();
    Cli.Result r = Cli.run("", "store", "stat", "--dir", dir.toString());
    long after = java.time.Instant.now().getEpochSecond();
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("readings.capacity_bytes=1048576\n"), r.out());
    assertTrue(r.out().contains("readings.segments_in_use=1/4\n"), r.out());
    assertTrue(r.out().contains("readings.unacked_records=2\n"), r.out());
    long age = Long.parseLong(r.out().replaceAll("(?s).*readings.oldest_unacked_age_s=(\\d+).*", "$1"));
    // the oldest unsent record was taken at 1_700_000_010: its age is now minus that, now being during the command
    assertTrue(age >= before - 1_700_000_010L && age <= after - 1_700_000_010L, age + " in [" + (before - 1_700_000_010L) + ", "
        + (after - 1_700_000_010L) + "]");
    assertTrue(r.out().contains("readings.evicted_total=0\n"), r.out());
    assertTrue(r.out().contains("alarms.records=1\n"), r.out());
  }

  @Test
  void aDirectoryWithoutAStoreIsAClearError() {
    Cli.Result r = Cli.run("", "store", "stat", "--dir", dir.resolve("nothing").toString());
    assertEquals(1, r.status());
    assertEquals("mast store stat: no store at " + dir.resolve("nothing") + " (no readings/ or alarms/ directory)\n", r.err());
  }
}

package io.mast.pole;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.cli.Cli;
import io.mast.drivers.PulseTotals;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Setting a gas meter's total from its mechanical register, with the refusals a technician can meet. */
class MeterCommandTest {
  @TempDir
  Path dir;

  @Test
  void setsTheTotalInTheChannelsUnitAndRefusesWhatIsNotWholePulses() throws Exception {
    Path config = dir.resolve("pole.json");
    Files.writeString(config, Files.readString(Path.of("..", "config", "examples", "sim-pole.json"))
        .replace("\"dir\": \"mast-sim/store\"", "\"dir\": \"" + dir.resolve("store") + "\""));
    Cli.Result set = Cli.run("", "meter", "set-total", "--config", config.toString(), "--sensor", "gas-meter", "--value", "5210.77");
    assertEquals(0, set.status(), set.err());
    assertTrue(set.out().startsWith("gas-meter: total 0 -> 521077 pulses (5210.77 m3)"), set.out());
    PulseTotals.Checkpoint onFlash = PulseTotals.read(dir.resolve("meters").resolve("gas-meter.pulses"));
    assertEquals(521_077, onFlash.total());
    assertTrue(onFlash.setByHand());
    Cli.Result fraction = Cli.run("", "meter", "set-total", "--config", config.toString(), "--sensor", "gas-meter", "--value", "5210.775");
    assertEquals(2, fraction.status());
    assertTrue(fraction.err().contains("not a whole number of pulses at 100 pulses per m3"), fraction.err());
    Cli.Result notMeter = Cli.run("", "meter", "set-total", "--config", config.toString(), "--sensor", "pms", "--value", "1");
    assertEquals(2, notMeter.status());
  }
}

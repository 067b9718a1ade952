package io.mast.sim;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.datasets.Dataset;
import io.mast.drivers.SensorDriver;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real datasets through the simulators and back out of the drivers. */
class ReplayTest {
  @TempDir
  Path dir;
  private SimulatedBoard board;
  private List<SensorDriver> drivers = List.of();

  @AfterEach
  void close() {
    drivers.forEach(SensorDriver::close);
    if (board != null) {
      board.close();
    }
  }

  @Test
  void aRealWaterMeterBecomesPulsesThatThePulseMeterCountsExactly() throws Exception {
    board = SimulatedBoard.start(SimPoles.example(), SimulatedBoard.Transport.IN_PROCESS, dir);
    drivers = SimPoles.drivers(SimPoles.example(), board, dir);
    SensorDriver water = SimPoles.driver(drivers, "pulse_meter on GPIO 17");
    water.open();
    List<Long> waits = new ArrayList<>();
    // the first 3,000 lines of the carried dataset, gzip-compressed again: the replay reads it as it is
    List<String> lines;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(Files.newInputStream(Dataset.WATER_DAIAD.copyTo(dir.resolve("data")).readings())), UTF_8))) {
      lines = in.lines().limit(3000).toList();
    }
    Path head = dir.resolve("head.csv.gz");
    try (Writer out = new OutputStreamWriter(new GZIPOutputStream(Files.newOutputStream(head)), UTF_8)) {
      out.write(String.join("\n", lines) + "\n");
    }
    Replay.Result result = new Replay(board, Map.of("water.meter07", "water.volume"), 3600, waits::add).play(head);

    List<String> rows = lines.stream().filter(l -> l.contains(",water.meter07,")).toList();
    long first = Long.parseLong(rows.get(0).split(",")[2]);
    long last = Long.parseLong(rows.get(rows.size() - 1).split(",")[2]);
    assertEquals(rows.size(), result.played());
    assertEquals(2999 - rows.size(), result.skipped());
    assertEquals(last - first, water.sample().get("water.volume").mantissa(), "litres used since the first row");
    assertTrue(waits.stream().mapToLong(Long::longValue).sum() > 0, "rows are spread in time");
  }

  @Test
  void airQualityRowsReachThePms5003FramesAndMalformedRowsAreCounted() throws Exception {
    board = SimulatedBoard.start(SimPoles.example(), SimulatedBoard.Transport.IN_PROCESS, dir);
    drivers = SimPoles.drivers(SimPoles.example(), board, dir);
    SensorDriver pms = SimPoles.driver(drivers, "pms5003 on sim:pms5003");
    pms.open();
    Path csv = dir.resolve("air.csv");
    Files.writeString(csv, "time,channel,value\n2004-03-10T18:00:00Z,air.nox,166\n"
        + "2004-03-10T19:00:00Z,air.nox,12x\n2004-03-10T20:00:00Z,air.nox\nyesterday,air.nox,3\n");
    Replay.Result result = new Replay(board, Map.of("air.nox", "air.pm25"), 1e9, ms -> { }).play(csv);
    assertEquals(new Replay.Result(1, 0, 3, csv + ":3: value '12x' is not a decimal number"), result);
    assertEquals(166, pms.sample().get("air.pm25").mantissa());
    Files.writeString(csv, "when,what\n");
    assertThrows(java.io.IOException.class, () -> new Replay(board, Map.of(), 1, ms -> { }).play(csv));
  }
}

package io.mast.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadingsCsvTest {
  private static final String CHANNELS = "channel,unit,exponent,interval_s,kind,description\n"
      + "air.temp,degC,-1,60,gauge,\"temperature, \"\"outside\"\"\"\nwater.m1,L,0,60,counter,\n";
  private static final String READINGS = "time,channel,value\n2026-01-01T00:00:00Z,air.temp,-1.5\n\n"
      + "2026-01-01T00:00:00Z,water.m1,100\n";

  @TempDir
  Path dir;

  private Path gzip(String name, String text) throws IOException {
    Path file = dir.resolve(name);
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write(text.getBytes(UTF_8));
    }
    return file;
  }

  @Test
  void plainAndGzipFilesReadTheSameWhateverTheirNames() throws IOException {
    Files.writeString(dir.resolve("c.csv"), CHANNELS);
    Files.writeString(dir.resolve("r.csv"), READINGS);
    ChannelProfile plain = ReadingsCsv.readChannels(dir.resolve("c.csv"));
    ChannelProfile packed = ReadingsCsv.readChannels(gzip("c.data", CHANNELS));
    assertEquals(plain.channels(), packed.channels());
    assertEquals("temperature, \"outside\"", plain.channel("air.temp").description());
    List<Reading> expected = List.of(new Reading(0, 1_767_225_600L, -15), new Reading(1, 1_767_225_600L, 100));
    assertEquals(expected, ReadingsCsv.readReadings(dir.resolve("r.csv"), plain));
    assertEquals(expected, ReadingsCsv.readReadings(gzip("r.csv.gz", READINGS), plain));
  }

  @Test
  void aChannelNameWithACommaOrAQuoteIsWrittenQuotedAndReadsBack() throws IOException {
    // found by the readings CSV fuzz target: the writer printed such a name bare, a row of 4 fields
    Files.writeString(dir.resolve("c.csv"), "channel,unit,exponent,interval_s,kind,description\n\"a,\"\"b\"\"\",x,-2,60,counter,\n");
    ChannelProfile profile = ReadingsCsv.readChannels(dir.resolve("c.csv"));
    assertEquals("a,\"b\"", profile.channel(0).name());
    java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
    java.io.PrintStream out = new java.io.PrintStream(text, true, UTF_8);
    ReadingsCsv.writeHeader(out);
    ReadingsCsv.write(out, profile, new Reading(0, 1_767_225_600L, -125));
    assertEquals("time,channel,value\n2026-01-01T00:00:00Z,\"a,\"\"b\"\"\",-1.25\n", text.toString(UTF_8));
    Files.write(dir.resolve("r.csv"), text.toByteArray());
    assertEquals(List.of(new Reading(0, 1_767_225_600L, -125)), ReadingsCsv.readReadings(dir.resolve("r.csv"), profile));
  }

  @Test
  void aChannelsFileWrittenReadsBackAsTheSameProfile() throws IOException {
    Files.writeString(dir.resolve("c.csv"), CHANNELS);
    ChannelProfile profile = ReadingsCsv.readChannels(dir.resolve("c.csv"));
    java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
    ReadingsCsv.writeChannels(new java.io.PrintStream(text, true, UTF_8), profile);
    assertEquals(CHANNELS, text.toString(UTF_8));
    Files.write(dir.resolve("again.csv"), text.toByteArray());
    assertEquals(profile.channels(), ReadingsCsv.readChannels(dir.resolve("again.csv")).channels());
  }

  @Test
  void theHeaderIsCheckedOnceAndNamesTheFile() throws IOException {
    Path bad = dir.resolve("bad.csv");
    Files.writeString(bad, "when,what\n");
    IOException e = assertThrows(IOException.class, () -> ReadingsCsv.open(bad, ReadingsCsv.READINGS_HEADER));
    assertEquals(bad + ":1: expected the header 'time,channel,value', found 'when,what'", e.getMessage());
    Files.writeString(bad, "");
    e = assertThrows(IOException.class, () -> ReadingsCsv.open(bad, ReadingsCsv.READINGS_HEADER));
    assertTrue(e.getMessage().endsWith("found an empty file"), e.getMessage());
  }

  @Test
  void aMalformedRowIsReportedWithItsLineAndTheRowsAfterItStillRead() throws IOException {
    Files.writeString(dir.resolve("c.csv"), CHANNELS);
    ChannelProfile profile = ReadingsCsv.readChannels(dir.resolve("c.csv"));
    Path r = dir.resolve("r.csv");
    Files.writeString(r, "time,channel,value\n\"2026-01-01T00:00:00Z,air.temp,1\n2026-01-01T00:00:00Z,gas.x,1\n"
        + "2026-01-01T00:00:00Z,air.temp,1.25\nnoon,air.temp,1\n2026-01-01T00:01:00Z,air.temp,2.5\n");
    try (ReadingsCsv.Rows rows = ReadingsCsv.open(r, ReadingsCsv.READINGS_HEADER)) {
      var e = assertThrows(ReadingsCsv.MalformedRowException.class, rows::next);
      assertEquals(r + ":2: unterminated quoted field", e.getMessage());
      e = assertThrows(ReadingsCsv.MalformedRowException.class, () -> ReadingsCsv.reading(rows.next(), profile));
      assertEquals(r + ":3: channel 'gas.x' is not in the channels file", e.getMessage());
      e = assertThrows(ReadingsCsv.MalformedRowException.class, () -> ReadingsCsv.reading(rows.next(), profile));
      assertTrue(e.getMessage().startsWith(r + ":4: channel air.temp: 1.25 needs more precision"), e.getMessage());
      e = assertThrows(ReadingsCsv.MalformedRowException.class, () -> ReadingsCsv.reading(rows.next(), profile));
      assertTrue(e.getMessage().startsWith(r + ":5: time 'noon' is not ISO-8601"), e.getMessage());
      ReadingsCsv.Row last = rows.next();
      assertEquals(r + ":6", last.where());
      assertArrayEquals(new String[] {"2026-01-01T00:01:00Z", "air.temp", "2.5"}, last.fields());
      assertEquals(new Reading(0, 1_767_225_660L, 25), ReadingsCsv.reading(last, profile));
      assertNull(rows.next());
    }
  }

  @Test
  void textThatIsNotUtf8IsRefusedWithItsLine() throws IOException {
    Path r = dir.resolve("r.csv");
    Files.write(r, new byte[] {'t', 'i', 'm', 'e', ',', 'c', 'h', 'a', 'n', 'n', 'e', 'l', ',', 'v', 'a', 'l', 'u', 'e', '\n',
        (byte) 0xff, (byte) 0xfe, '\n'});
    // the reader decodes ahead, so the bad bytes may show while the header is read
    IOException e = assertThrows(IOException.class, () -> {
      try (ReadingsCsv.Rows rows = ReadingsCsv.open(r, ReadingsCsv.READINGS_HEADER)) {
        rows.next();
      }
    });
    assertTrue(e.getMessage().startsWith(r + ":") && e.getMessage().contains(": not UTF-8 text, or a binary file"), e.getMessage());
  }
}

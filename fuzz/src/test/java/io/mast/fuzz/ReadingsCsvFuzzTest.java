package io.mast.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.protocol.Channel;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.Reading;
import io.mast.protocol.ReadingsCsv;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The readings CSV that integrators hand to {@code mast encode} and {@code mast run --replay}, and
 * its channels file: any bytes as a file (plain or gzip). Input: byte 0 picks a channels file
 * (even) or a readings file against the carried air-quality profile (odd); the rest is the file.
 * Expected: rows, a {@link ReadingsCsv.MalformedRowException} for a row the next can follow, or
 * an {@link IOException} naming the place. And what was read writes back as text that reads the
 * same: a reading (the replay's rows), and a zero of every channel of a channels file.
 */
class ReadingsCsvFuzzTest {
  private static final ChannelProfile AIR = FrameDecoderFuzzTest.profile();
  private static final Path FILE = temp("readings");
  private static final Path BACK = temp("written");

  @FuzzTest
  void read(byte[] input) throws IOException {
    if (input.length < 1) {
      return;
    }
    Files.write(FILE, java.util.Arrays.copyOfRange(input, 1, input.length));
    if ((input[0] & 1) == 0) {
      Expected.only(IOException.class, () -> {
        ChannelProfile profile = ReadingsCsv.readChannels(FILE);
        List<Reading> zeros = new ArrayList<>();
        for (Channel c : profile.channels()) {
          zeros.add(new Reading(c.id(), 0, 0));
        }
        writesBackTheSame(profile, zeros);
      });
      return;
    }
    List<Reading> read = new ArrayList<>();
    Expected.only(IOException.class, () -> {
      try (ReadingsCsv.Rows rows = ReadingsCsv.open(FILE, ReadingsCsv.READINGS_HEADER)) {
        while (true) {
          try {
            ReadingsCsv.Row row = rows.next();
            if (row == null) {
              break;
            }
            read.add(ReadingsCsv.reading(row, AIR));
          } catch (ReadingsCsv.MalformedRowException skipped) {
            // as the replay does: counted, and the next row is read
          }
        }
      }
    });
    writesBackTheSame(AIR, read);
  }

  private static void writesBackTheSame(ChannelProfile profile, List<Reading> readings) throws IOException {
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(text, false, StandardCharsets.UTF_8);
    ReadingsCsv.writeHeader(out);
    for (Reading r : readings) {
      ReadingsCsv.write(out, profile, r);
    }
    out.flush();
    Files.write(BACK, text.toByteArray());
    List<Reading> again;
    try {
      again = ReadingsCsv.readReadings(BACK, profile);
    } catch (IOException e) {
      throw new IllegalStateException("what was read does not read back once written: " + e.getMessage(), e);
    }
    if (!again.equals(readings)) {
      throw new IllegalStateException("read " + readings + ", written and read back " + again);
    }
  }

  private static Path temp(String name) {
    try {
      Path file = Files.createTempFile("mast-fuzz-" + name + "-", ".csv");
      file.toFile().deleteOnExit();
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

package io.mast.runtime.replay;

import io.mast.protocol.Channel;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.Reading;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The text forms of channels and readings that people and datasets use (see the shared data
 * README): {@code channel,unit,exponent,interval_s,kind,description} and
 * {@code time,channel,value}, time as ISO-8601 UTC to the second, value as a decimal with the
 * channel's decimals. Errors name the file, the line and the value.
 */
public final class ReadingsCsv {
  private ReadingsCsv() {}

  public static ChannelProfile readChannels(Path file) throws IOException {
    List<Channel> channels = new ArrayList<>();
    List<String[]> rows = rows(file, "channel,unit,exponent,interval_s,kind,description");
    for (int i = 0; i < rows.size(); i++) {
      String[] f = rows.get(i);
      String where = file + ":" + (i + 2) + ": ";
      if (f.length != 6) {
        throw new IOException(where + "expected 6 fields, found " + f.length);
      }
      try {
        Channel.Kind kind = Channel.Kind.valueOf(f[4].trim().toUpperCase(Locale.ROOT));
        channels.add(new Channel(i, f[0].trim(), f[1].trim(), Integer.parseInt(f[2].trim()),
            Integer.parseInt(f[3].trim()), kind, f[5]));
      } catch (IllegalArgumentException e) {
        throw new IOException(where + e.getMessage(), e);
      }
    }
    try {
      return ChannelProfile.of(channels);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  public static List<Reading> readReadings(Path file, ChannelProfile profile) throws IOException {
    List<Reading> readings = new ArrayList<>();
    List<String[]> rows = rows(file, "time,channel,value");
    for (int i = 0; i < rows.size(); i++) {
      String[] f = rows.get(i);
      String where = file + ":" + (i + 2) + ": ";
      readings.add(reading(f, where, profile));
    }
    return readings;
  }

  /**
   * One {@code time,channel,value} row as a reading of {@code profile}.
   *
   * @throws IOException starting with {@code where}: wrong field count, unknown channel, bad time or value
   */
  public static Reading reading(String[] f, String where, ChannelProfile profile) throws IOException {
    if (f.length != 3) {
      throw new IOException(where + "expected 3 fields (time,channel,value), found " + f.length);
    }
    Channel channel = profile.channel(f[1].trim());
    if (channel == null) {
      throw new IOException(where + "channel '" + f[1].trim() + "' is not in the channels file");
    }
    try {
      return new Reading(channel.id(), Instant.parse(f[0].trim()).getEpochSecond(), channel.parse(f[2]));
    } catch (DateTimeParseException e) {
      throw new IOException(where + "time '" + f[0] + "' is not ISO-8601 UTC like 2004-03-10T18:00:00Z", e);
    } catch (IllegalArgumentException e) {
      throw new IOException(where + e.getMessage(), e);
    }
  }

  public static void writeHeader(PrintStream out) {
    out.print("time,channel,value\n");
  }

  public static void write(PrintStream out, ChannelProfile profile, Reading r) {
    Channel c = profile.channel(r.channel());
    out.print(Instant.ofEpochSecond(r.time()) + "," + c.name() + "," + c.format(r.mantissa()) + "\n");
  }

  private static List<String[]> rows(Path file, String header) throws IOException {
    List<String[]> rows = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String first = in.readLine();
      if (first == null || !first.trim().equals(header)) {
        throw new IOException(file + ":1: expected the header '" + header + "', found '" + first + "'");
      }
      String line;
      int number = 1;
      while ((line = in.readLine()) != null) {
        number++;
        if (!line.isBlank()) {
          rows.add(split(line, file + ":" + number));
        }
      }
    }
    return rows;
  }

  /** Splits one RFC 4180 line: fields may be quoted, with "" for a quote inside. */
  public static String[] split(String line, String where) throws IOException {
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          field.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          field.append(c);
        }
      } else if (c == '"' && field.length() == 0) {
        quoted = true;
      } else if (c == ',') {
        fields.add(field.toString());
        field.setLength(0);
      } else {
        field.append(c);
      }
    }
    if (quoted) {
      throw new IOException(where + ": unterminated quoted field");
    }
    fields.add(field.toString());
    return fields.toArray(new String[0]);
  }
}

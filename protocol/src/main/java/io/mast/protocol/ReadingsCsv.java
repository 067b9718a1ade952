package io.mast.protocol;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * The text forms of channels and readings that people, datasets and the platform's tools use:
 * a channels file {@code channel,unit,exponent,interval_s,kind,description} and a readings file
 * {@code time,channel,value}, time as ISO-8601 UTC to the second, value as a decimal with the
 * channel's decimals. Fields follow RFC 4180 (quoted where they hold a comma, {@code ""} for a
 * quote). A file may be gzip-compressed: it is recognised by its first two bytes, not its name.
 *
 * <p>This is the one reader of these files: {@link #open} streams rows after checking the header
 * once, and every caller (encode, replay into the store, replay into the simulated board) reads
 * through it. Errors name the file, the line and the value ({@code r.csv:12: ...}).
 */
public final class ReadingsCsv {
  /** The header of a channels file. */
  public static final String CHANNELS_HEADER = "channel,unit,exponent,interval_s,kind,description";
  /** The header of a readings file. */
  public static final String READINGS_HEADER = "time,channel,value";

  private ReadingsCsv() {}

  /** One row of a file, split into fields, with where it came from ({@code file:line}). */
  public record Row(String where, String[] fields) {}

  /**
   * A row that cannot be read (unterminated quote, wrong field count, unknown channel, bad time
   * or value); the rows after it can. Other {@link IOException}s end the file.
   */
  public static final class MalformedRowException extends IOException {
    MalformedRowException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * A readings or channels file opened for streaming: the header is checked by {@link #open},
   * blank lines are skipped, and a row with an unterminated quote comes back as a
   * {@link MalformedRowException} naming its line (the caller may count it and go on).
   */
  public static final class Rows implements AutoCloseable {
    private final String file;
    private final BufferedReader in;
    private long line = 1;

    private Rows(String file, BufferedReader in) {
      this.file = file;
      this.in = in;
    }

    /** The next row, or null at the end of the file. */
    public Row next() throws IOException {
      String text;
      while ((text = readLine()) != null) {
        line++;
        if (!text.isBlank()) {
          String where = file + ":" + line;
          return new Row(where, split(text, where));
        }
      }
      return null;
    }

    private String readLine() throws IOException {
      return ReadingsCsv.readLine(in, file, line + 1);
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  /**
   * Opens {@code file} (plain or gzip) and checks that its first line is {@code header}.
   *
   * @throws IOException naming the file when it cannot be read or its header differs
   */
  public static Rows open(Path file, String header) throws IOException {
    BufferedReader in = reader(file);
    try {
      String first = readLine(in, file.toString(), 1);
      if (first == null || !first.strip().equals(header)) {
        throw new IOException(file + ":1: expected the header '" + header + "', found "
            + (first == null ? "an empty file" : "'" + cut(first) + "'"));
      }
      return new Rows(file.toString(), in);
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  /** A line of text; bytes that are not UTF-8 (the reader decodes ahead, so near {@code line}) are refused. */
  private static String readLine(BufferedReader in, String file, long line) throws IOException {
    try {
      return in.readLine();
    } catch (CharacterCodingException e) {
      throw new IOException(file + ":" + line + ": not UTF-8 text, or a binary file (" + e + ")", e);
    }
  }

  private static BufferedReader reader(Path file) throws IOException {
    InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    try {
      raw.mark(2);
      boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
      raw.reset();
      InputStream text = gzip ? new GZIPInputStream(raw, 1 << 16) : raw;
      return new BufferedReader(new InputStreamReader(text, StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)));
    } catch (IOException | RuntimeException e) {
      raw.close();
      throw e;
    }
  }

  /** Reads a channels file into a profile; channel ids are the row order from 0. */
  public static ChannelProfile readChannels(Path file) throws IOException {
    List<Channel> channels = new ArrayList<>();
    try (Rows rows = open(file, CHANNELS_HEADER)) {
      for (Row row; (row = rows.next()) != null; ) {
        channels.add(channel(row, channels.size()));
      }
    }
    try {
      return ChannelProfile.of(channels);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  private static Channel channel(Row row, int id) throws IOException {
    String[] f = row.fields();
    if (f.length != 6) {
      throw new IOException(row.where() + ": expected 6 fields (" + CHANNELS_HEADER + "), found " + f.length);
    }
    try {
      Channel.Kind kind = Channel.Kind.valueOf(f[4].trim().toUpperCase(Locale.ROOT));
      return new Channel(id, f[0].trim(), f[1].trim(), Integer.parseInt(f[2].trim()), Integer.parseInt(f[3].trim()), kind, f[5]);
    } catch (IllegalArgumentException e) {
      throw new IOException(row.where() + ": " + e.getMessage(), e);
    }
  }

  /** Reads a whole readings file; the first bad row ends it with an {@link IOException}. */
  public static List<Reading> readReadings(Path file, ChannelProfile profile) throws IOException {
    List<Reading> readings = new ArrayList<>();
    try (Rows rows = open(file, READINGS_HEADER)) {
      for (Row row; (row = rows.next()) != null; ) {
        readings.add(reading(row, profile));
      }
    }
    return readings;
  }

  /**
   * One {@code time,channel,value} row as a reading of {@code profile}.
   *
   * @throws MalformedRowException starting with the row's place: wrong field count, unknown
   *     channel, bad time or value
   */
  public static Reading reading(Row row, ChannelProfile profile) throws MalformedRowException {
    String[] f = row.fields();
    String where = row.where() + ": ";
    if (f.length != 3) {
      throw new MalformedRowException(where + "expected 3 fields (" + READINGS_HEADER + "), found " + f.length, null);
    }
    Channel channel = profile.channel(f[1].trim());
    if (channel == null) {
      throw new MalformedRowException(where + "channel '" + cut(f[1].trim()) + "' is not in the channels file", null);
    }
    try {
      return new Reading(channel.id(), time(f[0]), channel.parse(f[2]));
    } catch (DateTimeParseException e) {
      throw new MalformedRowException(where + "time '" + cut(f[0]) + "' is not ISO-8601 UTC like 2004-03-10T18:00:00Z", e);
    } catch (IllegalArgumentException e) {
      throw new MalformedRowException(where + e.getMessage(), e);
    }
  }

  /** The Unix seconds of a row's time field. */
  public static long time(String field) {
    return Instant.parse(field.trim()).getEpochSecond();
  }

  /** {@code readings} of {@code profile} as a channels file and a readings file, both made anew. */
  public static void write(Path channelsFile, Path readingsFile, ChannelProfile profile, List<Reading> readings) throws IOException {
    try (PrintStream c = new PrintStream(Files.newOutputStream(channelsFile), false, StandardCharsets.UTF_8);
        PrintStream r = new PrintStream(new java.io.BufferedOutputStream(Files.newOutputStream(readingsFile), 1 << 16), false,
            StandardCharsets.UTF_8)) {
      writeChannels(c, profile);
      writeHeader(r);
      for (Reading x : readings) {
        write(r, profile, x);
      }
    }
  }

  /** A channels file of {@code profile}: its header, then one row per channel in id order. */
  public static void writeChannels(PrintStream out, ChannelProfile profile) {
    out.print(CHANNELS_HEADER + "\n");
    for (Channel c : profile.channels()) {
      out.print(field(c.name()) + "," + field(c.unit()) + "," + c.exponent() + "," + c.intervalS() + ","
          + c.kind().name().toLowerCase(Locale.ROOT) + "," + field(c.description()) + "\n");
    }
  }

  public static void writeHeader(PrintStream out) {
    out.print(READINGS_HEADER + "\n");
  }

  public static void write(PrintStream out, ChannelProfile profile, Reading r) {
    Channel c = profile.channel(r.channel());
    out.print(Instant.ofEpochSecond(r.time()) + "," + field(c.name()) + "," + c.format(r.mantissa()) + "\n");
  }

  /** A field as RFC 4180 writes it: quoted, with {@code ""} for a quote, when it holds a comma or a quote. */
  static String field(String text) {
    if (text.indexOf(',') < 0 && text.indexOf('"') < 0) {
      return text;
    }
    return '"' + text.replace("\"", "\"\"") + '"';
  }

  /** Splits one RFC 4180 line: fields may be quoted, with "" for a quote inside. */
  static String[] split(String line, String where) throws MalformedRowException {
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
      throw new MalformedRowException(where + ": unterminated quoted field", null);
    }
    fields.add(field.toString());
    return fields.toArray(new String[0]);
  }

  private static String cut(String text) {
    return text.length() <= 80 ? text : text.substring(0, 80) + "... (" + text.length() + " characters)";
  }
}

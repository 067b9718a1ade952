package io.mast.runtime.cli;

import io.mast.protocol.ReadingsCsv;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.DecodedFrame;
import io.mast.protocol.FrameDecoder;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.Reading;
import io.mast.protocol.Topics;
import java.io.BufferedReader;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mast decode}: frames back to {@code time,channel,value} CSV, from frame files or from
 * {@code mosquitto_sub -v -F '%t %x'} lines. A frame whose (device, sequence) was already seen
 * is a QoS 1 duplicate and is dropped whole. Rows come out sorted by time, then channel id, as
 * the datasets are. Alarm messages are counted, not printed: the reading an alarm carries is
 * also in the telemetry. Bad input is reported on stderr with its place and counted; decoding
 * goes on, and the exit status is 1 if anything was bad.
 */
@Command(name = "decode", mixinStandardHelpOptions = true,
    description = {"Print readings as time,channel,value CSV from frame files or --hex MQTT lines.",
        "Frame files or directories of them (profile.pb beside them),",
        "or with --hex from 'TOPIC HEXPAYLOAD' lines on stdin (mosquitto_sub -v -F '%t %x' -t 'm/#').",
        "A summary (frames, readings, duplicates, skipped, errors) goes to stderr."})
final class DecodeCommand implements Callable<Integer> {
  @Parameters(paramLabel = "PATH", arity = "0..*", description = "Frame files, or directories of them (profile.pb beside them).")
  List<Path> paths = new ArrayList<>();

  @Option(names = "--profile", paramLabel = "FILE", description = "Profile payload to decode against (default: profile.pb beside the frames, or the profile topic with --hex).")
  Path profileFile;

  @Option(names = "--hex", description = "Read 'TOPIC HEXPAYLOAD' lines from stdin.")
  boolean hex;

  @Option(names = "--prefix", defaultValue = Topics.DEFAULT_PREFIX, paramLabel = "TEMPLATE", description = "Topic prefix template (default: ${DEFAULT-VALUE}).")
  String prefix;

  private final PrintStream out = new PrintStream(new BufferedOutputStream(System.out, 1 << 16), false, StandardCharsets.UTF_8);
  private long frames;
  private long readings;
  private long duplicates;
  private long alarms;
  private long skipped;
  private long errors;

  @Override
  public Integer call() throws IOException {
    if (hex == !paths.isEmpty()) {
      throw new IllegalArgumentException("give frame files or directories, or --hex with lines on stdin (not both)");
    }
    ChannelProfile given = profileFile == null ? null : ChannelProfile.parse(Files.readAllBytes(profileFile));
    ReadingsCsv.writeHeader(out);
    if (hex) {
      decodeLines(given);
    } else {
      decodeFiles(given);
    }
    out.flush();
    System.err.printf("frames=%d readings=%d alarms=%d duplicates=%d skipped=%d errors=%d%n", frames, readings, alarms, duplicates, skipped, errors);
    return errors == 0 ? 0 : 1;
  }

  private record Row(Reading reading, ChannelProfile profile) {}

  private void decodeFiles(ChannelProfile given) throws IOException {
    List<Row> rows = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Path path : paths) {
      boolean dir = Files.isDirectory(path);
      Path profilePath = (dir ? path : path.toAbsolutePath().getParent()).resolve(EncodeCommand.PROFILE_FILE);
      ChannelProfile profile = given != null ? given : ChannelProfile.parse(Files.readAllBytes(profilePath));
      FrameDecoder decoder = new FrameDecoder(profile);
      for (Path file : dir ? frameFiles(path) : List.of(path)) {
        try {
          DecodedFrame frame = decoder.decode(Files.readAllBytes(file));
          if (!seen.add(profile.hexId() + "/" + frame.seq())) {
            duplicates++;
            continue;
          }
          frames++;
          frame.readings().forEach(r -> rows.add(new Row(r, profile)));
        } catch (FrameFormatException e) {
          error(file + ": " + e.getMessage());
        }
      }
    }
    readings += rows.size();
    writeSorted(rows);
  }

  private void writeSorted(List<Row> rows) {
    rows.sort((a, b) -> Reading.BY_TIME_THEN_CHANNEL.compare(a.reading(), b.reading()));
    for (Row row : rows) {
      ReadingsCsv.write(out, row.profile(), row.reading());
    }
  }

  private static List<Path> frameFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".pb"))
          .filter(f -> !f.getFileName().toString().equals(EncodeCommand.PROFILE_FILE))
          .sorted()
          .toList();
    }
  }

  private void decodeLines(ChannelProfile given) throws IOException {
    Topics topics = Topics.withPrefix(prefix);
    Map<String, FrameDecoder> decoders = new HashMap<>();
    Set<String> seen = new HashSet<>();
    List<Row> rows = new ArrayList<>();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    long number = 0;
    while ((line = in.readLine()) != null) {
      number++;
      if (line.isBlank()) {
        continue;
      }
      String[] parts = line.trim().split("\\s+", 2);
      var parsed = topics.parse(parts[0]);
      if (parsed.isEmpty() || !isDecoded(parsed.get().kind())) {
        skipped++;
        continue;
      }
      try {
        byte[] payload = HexFormat.of().parseHex(parts.length > 1 ? parts[1].trim() : "");
        String device = parsed.get().device();
        switch (parsed.get().kind()) {
          case PROFILE -> {
            if (payload.length > 0) {
              decoders.put(device, new FrameDecoder(ChannelProfile.parse(payload)));
            }
          }
          case TELEMETRY, ALARM -> {
            FrameDecoder decoder = decoders.get(device);
            if (decoder == null && given == null) {
              throw new FrameFormatException("no profile yet for device " + device + " (give --profile FILE)");
            }
            decoder = decoder != null ? decoder : decoders.computeIfAbsent(device, d -> new FrameDecoder(given));
            DecodedFrame frame = parsed.get().kind() == Topics.Kind.ALARM ? decoder.decodeAlarm(payload) : decoder.decode(payload);
            if (!seen.add(device + "/" + frame.seq())) {
              duplicates++;
              continue;
            }
            if (parsed.get().kind() == Topics.Kind.ALARM) {
              alarms++;
              continue;
            }
            frames++;
            readings += frame.readings().size();
            for (Reading r : frame.readings()) {
              rows.add(new Row(r, decoder.profile()));
            }
          }
          default -> skipped++;
        }
      } catch (FrameFormatException | IllegalArgumentException e) {
        error("stdin:" + number + ": " + parts[0] + ": " + e.getMessage());
      }
    }
    writeSorted(rows);
  }

  private static boolean isDecoded(Topics.Kind kind) {
    return kind == Topics.Kind.PROFILE || kind == Topics.Kind.TELEMETRY || kind == Topics.Kind.ALARM;
  }

  private void error(String message) {
    errors++;
    System.err.println("mast decode: " + message);
  }
}

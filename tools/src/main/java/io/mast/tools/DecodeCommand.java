package io.mast.tools;

import io.mast.protocol.ChannelProfile;
import io.mast.protocol.DecodedFrame;
import io.mast.protocol.FrameDecoder;
import io.mast.protocol.FrameCorruptException;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.FrameIntegrity;
import io.mast.protocol.ReadingsCsv;
import io.mast.protocol.Topics;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code mast decode}: frames back to {@code time,channel,value} CSV, from frame files or from
 * {@code mosquitto_sub -F '%t %x'} lines. A frame whose CRC-32C does not match its bytes is a
 * damaged copy, refused before anything in it is read (so a good copy that comes later is kept);
 * a frame whose (device, sequence) was already seen is a QoS 1 duplicate and is dropped whole. Rows come out sorted by time, then channel id, as
 * the datasets are; with {@code --follow}, each frame's rows as it arrives, and every other
 * message (status, health, profile, acks...) as a {@code #} line of text. Alarm messages are
 * counted, not printed: the reading an alarm carries is also in the telemetry. Bad input is
 * reported on stderr with its place and counted; decoding goes on, and the exit status is 1 if
 * anything was bad.
 */
@Command(name = "decode", mixinStandardHelpOptions = true,
    description = {"Print readings as time,channel,value CSV from frame files or --hex MQTT lines.",
        "Frame files or directories of them (profile.pb beside them),",
        "or with --hex from 'TOPIC HEXPAYLOAD' lines on stdin (mosquitto_sub -F '%%t %%x' -t 'm/#').",
        "A summary (frames, readings, duplicates, refused damaged copies, skipped, errors) goes to stderr.",
        "Example: mosquitto_sub -h 127.0.0.1 -t 'm/#' -F '%%t %%x' | mast decode --hex --follow"})
final class DecodeCommand implements Callable<Integer> {
  @Parameters(paramLabel = "PATH", arity = "0..*", description = "Frame files, or directories of them (profile.pb beside them).")
  List<Path> paths = new ArrayList<>();

  @Option(names = "--profile", paramLabel = "FILE", description = "Profile payload to decode against (default: profile.pb beside the frames, or the profile topic with --hex).")
  Path profileFile;

  @Option(names = "--hex", description = "Read 'TOPIC HEXPAYLOAD' lines from stdin.")
  boolean hex;

  @Option(names = "--follow", description = "With --hex: print each frame's rows as it arrives (not sorted at the end), and every other message as a '# TOPIC text' line.")
  boolean follow;

  @Option(names = "--verify", description = {"Only check each frame's CRC-32C (no profile needed, no CSV): refused files on stderr,",
      "then a summary; exit 1 if any is damaged."})
  boolean verify;

  @Option(names = "--prefix", defaultValue = Topics.DEFAULT_PREFIX, paramLabel = "TEMPLATE", description = "Topic prefix template (default: ${DEFAULT-VALUE}).")
  String prefix;

  @Spec CommandSpec spec;
  private final PrintStream out = new PrintStream(new BufferedOutputStream(System.out, 1 << 16), false, StandardCharsets.UTF_8);
  private DecodeRun run;
  private long intact;

  @Override
  public Integer call() throws IOException {
    if (hex == !paths.isEmpty()) {
      throw new ParameterException(spec.commandLine(), "give frame files or directories, or --hex with lines on stdin (not both)");
    }
    if (follow && !hex) {
      throw new ParameterException(spec.commandLine(), "--follow goes with --hex");
    }
    if (verify) {
      if (hex || profileFile != null) {
        throw new ParameterException(spec.commandLine(), "--verify checks frame files alone: give files or directories, without --hex or --profile");
      }
      return verifyFiles();
    }
    ChannelProfile given = profileFile == null ? null : profile(profileFile, "--profile");
    run = new DecodeRun(out, System.err, follow);
    ReadingsCsv.writeHeader(out);
    if (hex) {
      decodeLines(given);
    } else {
      decodeFiles(given);
    }
    out.flush();
    System.err.println(run.summary());
    if (hex && run.frames == 0 && run.alarms == 0 && (run.skipped > 0 || run.errors > 0)) {
      System.err.println("mast decode: nothing decoded: expected 'TOPIC HEXPAYLOAD' lines with m/DEVICE/t topics, as"
          + " mosquitto_sub -F '%t %x' -t 'm/#' prints them (topic prefix " + prefix + ")");
    }
    return run.errors == 0 && run.refused == 0 ? 0 : 1;
  }

  /** --verify: each frame file's CRC-32C, nothing decoded. */
  private int verifyFiles() throws IOException {
    run = new DecodeRun(out, System.err, false);
    for (Path path : paths) {
      if (!Files.exists(path)) {
        throw new NoSuchFileException(path + ": no such file or directory");
      }
      for (Path file : Files.isDirectory(path) ? frameFiles(path) : List.of(path)) {
        try {
          FrameIntegrity.check(Files.readAllBytes(file), "frame");
          intact++;
        } catch (FrameCorruptException e) {
          run.refused(file.toString(), e);
        }
      }
    }
    System.err.printf("frames=%d intact=%d refused=%d%n", intact + run.refused, intact, run.refused);
    return run.refused == 0 ? 0 : 1;
  }

  private void decodeFiles(ChannelProfile given) throws IOException {
    List<DecodeRun.Row> rows = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Path path : paths) {
      boolean dir = Files.isDirectory(path);
      if (!Files.exists(path)) {
        throw new NoSuchFileException(path + ": no such file or directory");
      }
      Path profilePath = (dir ? path : path.toAbsolutePath().getParent()).resolve(EncodeCommand.PROFILE_FILE);
      ChannelProfile profile = given != null ? given : profile(profilePath, "beside the frames");
      FrameDecoder decoder = new FrameDecoder(profile);
      for (Path file : dir ? frameFiles(path) : List.of(path)) {
        try {
          DecodedFrame frame = decoder.decode(Files.readAllBytes(file));
          if (!seen.add(profile.hexId() + "/" + frame.seq())) {
            run.duplicates++;
            continue;
          }
          run.frames++;
          frame.readings().forEach(r -> rows.add(new DecodeRun.Row(r, profile)));
        } catch (FrameCorruptException e) {
          run.refused(file.toString(), e);
        } catch (FrameFormatException e) {
          run.error(file + ": " + e.getMessage());
        }
      }
    }
    run.readings += rows.size();
    run.writeSorted(rows);
  }

  /** A profile file, or an error that says what it should be and how to get one. */
  private static ChannelProfile profile(Path file, String role) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file + ": no profile " + role + "; frames decode only against the profile they were made with"
          + " (mast encode writes profile.pb beside the frames; the retained m/DEVICE/p message is one: give it with --profile FILE)");
    }
    try {
      return ChannelProfile.parse(Files.readAllBytes(file));
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": not a profile: " + e.getMessage(), e);
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
    HexLines lines = new HexLines(run, Topics.withPrefix(prefix), given);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      lines.accept(line);
    }
    lines.finish();
  }
}

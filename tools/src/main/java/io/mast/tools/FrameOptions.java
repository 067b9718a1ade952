package io.mast.tools;

import io.mast.protocol.ChannelProfile;
import io.mast.protocol.FrameEncoder;
import io.mast.protocol.Reading;
import io.mast.protocol.ReadingsCsv;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The options of the commands that cut readings into frames ({@code mast encode}, {@code mast
 * bench wire}): the readings and their channels, the batch window and the largest frame, in the
 * same words in both.
 */
final class FrameOptions {
  @Option(names = "--channels", paramLabel = "FILE", description = "Channels CSV: channel,unit,exponent,interval_s,kind,description; with --readings.")
  Path channels;

  @Option(names = "--readings", paramLabel = "FILE", description = "Readings CSV: time,channel,value (plain or .gz); with --channels.")
  Path readings;

  @Option(names = "--window", defaultValue = "300", paramLabel = "SECONDS", description = "Batch window in seconds, aligned to Unix time (default: ${DEFAULT-VALUE}).")
  long window;

  @Option(names = "--max-frame-bytes", defaultValue = "1024", paramLabel = "BYTES", description = "Largest frame, 128..65535 (default: ${DEFAULT-VALUE}).")
  int maxFrameBytes;

  /** Whether readings files were given; a usage error if only one of the two was. */
  boolean filesGiven(CommandSpec spec) {
    if ((channels == null) != (readings == null)) {
      throw new ParameterException(spec.commandLine(), "--channels and --readings go together");
    }
    return channels != null;
  }

  ChannelProfile profile() throws IOException {
    return ReadingsCsv.readChannels(channels);
  }

  List<Reading> readings(ChannelProfile profile) throws IOException {
    return ReadingsCsv.readReadings(readings, profile);
  }

  FrameEncoder encoder(ChannelProfile profile) {
    return FrameEncoder.builder(profile).maxFrameBytes(maxFrameBytes).build();
  }
}

package io.mast.runtime.cli;

import io.mast.protocol.ReadingsCsv;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.EncodedFrame;
import io.mast.protocol.FrameEncoder;
import io.mast.protocol.Reading;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mast encode}: a readings CSV to the frames a pole would publish, one file per frame
 * ({@code frame-000001.pb}, ...) plus {@code profile.pb}, each exactly the MQTT payload.
 */
@Command(name = "encode", mixinStandardHelpOptions = true,
    description = {"Encode a readings CSV into frame files (one per frame) and profile.pb.",
        "Prints readings=N frames=F bytes=B bytes_per_reading=X (bytes: all frames, profile excluded)."})
final class EncodeCommand implements Callable<Integer> {
  static final String PROFILE_FILE = "profile.pb";

  @Option(names = "--channels", required = true, paramLabel = "FILE", description = "Channels CSV: channel,unit,exponent,interval_s,kind,description.")
  Path channels;

  @Option(names = "--readings", required = true, paramLabel = "FILE", description = "Readings CSV: time,channel,value (plain or .gz).")
  Path readings;

  @Option(names = "--window", defaultValue = "300", paramLabel = "SECONDS", description = "Batch window in seconds, aligned to Unix time (default: ${DEFAULT-VALUE}).")
  long window;

  @Option(names = "--max-frame-bytes", defaultValue = "1024", paramLabel = "BYTES", description = "Largest frame, 128..65535 (default: ${DEFAULT-VALUE}).")
  int maxFrameBytes;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for profile.pb and frame-NNNNNN.pb.")
  Path out;

  @Override
  public Integer call() throws IOException {
    ChannelProfile profile = ReadingsCsv.readChannels(channels);
    List<Reading> list = ReadingsCsv.readReadings(readings, profile);
    FrameEncoder encoder = FrameEncoder.builder(profile).maxFrameBytes(maxFrameBytes).build();
    List<EncodedFrame> frames = Windows.encode(encoder, list, window);
    Files.createDirectories(out);
    Files.write(out.resolve(PROFILE_FILE), profile.toBytes());
    long bytes = 0;
    for (EncodedFrame f : frames) {
      Files.write(out.resolve(String.format("frame-%06d.pb", f.seq())), f.bytes());
      bytes += f.bytes().length;
    }
    System.out.printf(Locale.ROOT, "readings=%d frames=%d bytes=%d bytes_per_reading=%.3f%n",
        list.size(), frames.size(), bytes, list.isEmpty() ? 0.0 : (double) bytes / list.size());
    return 0;
  }
}

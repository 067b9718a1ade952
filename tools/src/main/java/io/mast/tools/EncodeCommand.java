package io.mast.tools;

import io.mast.protocol.ChannelProfile;
import io.mast.protocol.EncodedFrame;
import io.mast.protocol.Reading;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code mast encode}: a readings CSV to the frames a pole would publish, one file per frame
 * ({@code frame-000001.pb}, ...) plus {@code profile.pb}, each exactly the MQTT payload.
 */
@Command(name = "encode", mixinStandardHelpOptions = true,
    description = {"Encode a readings CSV into frame files (one per frame) and profile.pb.",
        "Prints readings=N frames=F bytes=B bytes_per_reading=X (bytes: all frames, profile excluded)."})
final class EncodeCommand implements Callable<Integer> {
  static final String PROFILE_FILE = "profile.pb";

  @Spec CommandSpec spec;

  @Mixin FrameOptions frames;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for profile.pb and frame-NNNNNN.pb.")
  Path out;

  @Override
  public Integer call() throws IOException {
    if (!frames.filesGiven(spec)) {
      throw new ParameterException(spec.commandLine(), "give --channels FILE and --readings FILE");
    }
    ChannelProfile profile = frames.profile();
    List<Reading> list = frames.readings(profile);
    List<EncodedFrame> encoded = Windows.encode(frames.encoder(profile), list, frames.window);
    Files.createDirectories(out);
    Files.write(out.resolve(PROFILE_FILE), profile.toBytes());
    long bytes = 0;
    for (EncodedFrame f : encoded) {
      Files.write(out.resolve(String.format("frame-%06d.pb", f.seq())), f.bytes());
      bytes += f.bytes().length;
    }
    System.out.printf(Locale.ROOT, "readings=%d frames=%d bytes=%d bytes_per_reading=%.3f%n",
        list.size(), encoded.size(), bytes, list.isEmpty() ? 0.0 : (double) bytes / list.size());
    return 0;
  }
}

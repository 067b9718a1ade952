package io.mast.pole;

import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The replay options of {@code mast run} and {@code mast sim}: one readings file and one speed,
 * in the same words in both. The speed has no default, because what suits one command does not
 * suit the other (as fast as the pipeline goes through a store, a visible pace on a pty).
 */
public final class ReplayOptions {
  @Option(names = "--replay", paramLabel = "FILE", description = "Readings CSV (time,channel,value; plain or .gz) to replay instead of live values; needs --speed.")
  public Path file;

  @Option(names = "--speed", paramLabel = "max|FACTOR", description = "Replay speed: max (as fast as it goes) or a factor over real time, e.g. 3600 plays an hour a second. Required with --replay.")
  public String speed;

  /** The speed as a factor, 0 for max; a usage error when it is missing or not a positive number. */
  public double speed(CommandSpec spec) {
    if (file == null) {
      if (speed != null) {
        throw new ParameterException(spec.commandLine(), "--speed goes with --replay");
      }
      return 0;
    }
    if (speed == null) {
      throw new ParameterException(spec.commandLine(), "--replay needs --speed: max (as fast as it goes) or a factor over real time such as 3600 (an hour a second)");
    }
    if (speed.equalsIgnoreCase("max")) {
      return 0;
    }
    try {
      double s = Double.parseDouble(speed);
      if (s > 0 && !Double.isInfinite(s)) {
        return s;
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw new ParameterException(spec.commandLine(), "--speed is max or a positive factor such as 60, not '" + speed + "'");
  }
}

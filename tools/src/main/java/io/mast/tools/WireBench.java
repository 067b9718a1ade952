package io.mast.tools;

import io.mast.datasets.Dataset;
import io.mast.datasets.SyntheticPole;
import io.mast.protocol.Channel;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.DecodedFrame;
import io.mast.protocol.EncodedFrame;
import io.mast.protocol.FrameDecoder;
import io.mast.protocol.FrameEncoder;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.Reading;
import io.mast.protocol.ReadingsCsv;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mast bench wire}: Mast's bytes per reading for a dataset, next to plain JSON and to the
 * order-0 entropy of the per-channel first differences of values and timestamps.
 *
 * <p>The entropy figure: take each channel's readings in time order, form the first
 * differences of its values and of its timestamps, count how often each difference occurs over
 * the whole dataset (one histogram for value differences, one for time differences), and sum
 * {@code -log2 p} over every difference. It ignores the absolute first values that every
 * self-contained frame must carry, so no frame format can reach it. The same figure with one
 * histogram per channel is printed too ({@code entropy_per_channel_bytes_per_reading}); with a
 * few thousand samples per channel it undercounts, as small-sample entropy does.
 */
@Command(name = "wire", mixinStandardHelpOptions = true,
    description = {"Bytes per reading of Mast frames vs plain JSON vs the order-0 entropy of first differences.",
        "Give --channels and --readings, --dataset for a carried dataset, or --synthetic for a 10-second pole;"
            + " with none, the carried water-daiad dataset.",
        "Example: mast bench wire --dataset air-uci --window 86400"})
final class WireBench implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin FrameOptions frames;

  @Option(names = "--dataset", paramLabel = "NAME", description = "A dataset carried in the distribution: air-uci or water-daiad.")
  String dataset;

  @Option(names = "--synthetic", description = "Use the synthetic 10-second pole (PM2.5, PM10, temperature, humidity, CO2, water and gas counters).")
  boolean synthetic;

  @Option(names = "--hours", defaultValue = "168", paramLabel = "HOURS", description = "Length of the synthetic dataset in hours (default: ${DEFAULT-VALUE}).")
  long hours;


  @Override
  public Integer call() throws IOException {
    ChannelProfile profile;
    List<Reading> list;
    if (synthetic) {
      profile = SyntheticPole.profile();
      list = SyntheticPole.readings(1_767_225_600L, hours * 3600, 42);
    } else if (frames.filesGiven(spec)) {
      profile = frames.profile();
      list = frames.readings(profile);
    } else {
      Path tmp = Files.createTempDirectory("mast-wire");
      try {
        Dataset.Copy copy = Dataset.named(dataset == null ? "water-daiad" : dataset).copyTo(tmp);
        profile = ReadingsCsv.readChannels(copy.channels());
        list = ReadingsCsv.readReadings(copy.readings(), profile);
      } finally {
        try (var files = Files.list(tmp)) {
          for (Path f : files.toList()) {
            Files.delete(f);
          }
        }
        Files.delete(tmp);
      }
    }
    FrameEncoder encoder = frames.encoder(profile);
    long window = frames.window;
    int maxFrameBytes = frames.maxFrameBytes;
    long start = System.nanoTime();
    List<EncodedFrame> encoded = Windows.encode(encoder, list, window);
    double encodeSeconds = (System.nanoTime() - start) / 1e9;
    long bytes = 0;
    int largest = 0;
    for (EncodedFrame f : encoded) {
      bytes += f.bytes().length;
      largest = Math.max(largest, f.bytes().length);
    }
    boolean exact = roundTrips(profile, encoded, list);
    long json = jsonBytes(profile, list, window);
    double n = list.size();
    double entropy = entropyBits(list, true) / 8 / n;
    double perChannel = entropyBits(list, false) / 8 / n;
    double mast = bytes / n;
    System.out.printf(Locale.ROOT,
        "readings=%d window_s=%d frames=%d max_frame_bytes=%d largest_frame_bytes=%d mast_bytes=%d"
            + " mast_bytes_per_reading=%.3f json_bytes_per_reading=%.2f entropy_bytes_per_reading=%.3f"
            + " ratio_to_entropy=%.3f entropy_per_channel_bytes_per_reading=%.3f profile_bytes=%d"
            + " roundtrip=%s encode_readings_per_s=%.0f%n",
        list.size(), window, encoded.size(), maxFrameBytes, largest, bytes, mast, json / n, entropy,
        mast / entropy, perChannel, profile.toBytes().length, exact ? "exact" : "MISMATCH", n / encodeSeconds);
    return exact && largest <= maxFrameBytes ? 0 : 1;
  }

  private static boolean roundTrips(ChannelProfile profile, List<EncodedFrame> frames, List<Reading> expected) throws FrameFormatException {
    FrameDecoder decoder = new FrameDecoder(profile);
    List<Reading> decoded = new ArrayList<>(expected.size());
    for (EncodedFrame f : frames) {
      DecodedFrame frame = decoder.decode(f.bytes());
      decoded.addAll(frame.readings());
    }
    List<Reading> sorted = new ArrayList<>(expected);
    sorted.sort(Reading.BY_TIME_THEN_CHANNEL);
    decoded.sort(Reading.BY_TIME_THEN_CHANNEL);
    return decoded.equals(sorted);
  }

  /** Plain JSON per window: [{"channel":"air.co","time":1078941600,"value":2.6},...]. */
  private static long jsonBytes(ChannelProfile profile, List<Reading> list, long window) {
    long bytes = 0;
    Map<Long, Integer> windows = new HashMap<>();
    for (Reading r : list) {
      Channel c = profile.channel(r.channel());
      String item = "{\"channel\":\"" + c.name() + "\",\"time\":" + r.time() + ",\"value\":" + c.format(r.mantissa()) + "}";
      bytes += item.getBytes(StandardCharsets.UTF_8).length;
      windows.merge(Math.floorDiv(r.time(), window), 1, Integer::sum);
    }
    for (int count : windows.values()) {
      bytes += 2 + (count - 1);
    }
    return bytes;
  }

  /** Sum of -log2 p over every per-channel first difference of values and of times. */
  static double entropyBits(List<Reading> list, boolean pooled) {
    Map<Integer, List<Reading>> byChannel = new HashMap<>();
    for (Reading r : list) {
      byChannel.computeIfAbsent(r.channel(), c -> new ArrayList<>()).add(r);
    }
    Map<Long, Long> values = new HashMap<>();
    Map<Long, Long> times = new HashMap<>();
    double bits = 0;
    for (List<Reading> series : byChannel.values()) {
      series.sort(Reading.BY_TIME_THEN_CHANNEL);
      if (!pooled) {
        values = new HashMap<>();
        times = new HashMap<>();
      }
      for (int i = 1; i < series.size(); i++) {
        values.merge(series.get(i).mantissa() - series.get(i - 1).mantissa(), 1L, Long::sum);
        times.merge(series.get(i).time() - series.get(i - 1).time(), 1L, Long::sum);
      }
      if (!pooled) {
        bits += histogramBits(values) + histogramBits(times);
      }
    }
    return pooled ? histogramBits(values) + histogramBits(times) : bits;
  }

  private static double histogramBits(Map<Long, Long> histogram) {
    double total = histogram.values().stream().mapToLong(Long::longValue).sum();
    double bits = 0;
    for (long count : histogram.values()) {
      bits -= count * (Math.log(count / total) / Math.log(2));
    }
    return bits;
  }
}

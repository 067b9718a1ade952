package io.mast.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The real datasets the project carries (see {@code data/README.md} at the top of a checkout):
 * a gzip-compressed readings CSV and its channels CSV each, inside this jar under
 * {@code io/mast/datasets/}, so benchmarks and tests replay them wherever the jar runs. Every
 * readings reader of Mast ({@code ReadingsCsv}) takes the compressed file as it is.
 */
public enum Dataset {
  /** A roadside air-quality station, 12 channels, hourly, 2004 (UCI Air Quality, CC BY 4.0). */
  AIR_UCI("air-uci", "air-uci-2004.csv.gz", "air-uci.channels.csv"),
  /** 20 smart water meters, cumulative litres, about hourly, 2016-2017 (DAIAD, CC BY-SA 4.0). */
  WATER_DAIAD("water-daiad", "water-daiad.csv.gz", "water-daiad.channels.csv");

  /** Where a dataset's two files were written. */
  public record Copy(Path readings, Path channels) {}

  private final String id;
  private final String readings;
  private final String channels;

  Dataset(String id, String readings, String channels) {
    this.id = id;
    this.readings = readings;
    this.channels = channels;
  }

  /** The short name people type: {@code air-uci}, {@code water-daiad}. */
  public String id() {
    return id;
  }

  /** The dataset called {@code id}, or an {@link IllegalArgumentException} listing the names. */
  public static Dataset named(String id) {
    for (Dataset d : values()) {
      if (d.id.equals(id.toLowerCase(Locale.ROOT))) {
        return d;
      }
    }
    throw new IllegalArgumentException("no dataset '" + id + "'; the datasets are " + names());
  }

  /** The names of every dataset, comma-separated. */
  public static String names() {
    return Arrays.stream(values()).map(Dataset::id).collect(Collectors.joining(", "));
  }

  /**
   * Writes the readings (still gzip-compressed) and channels files into {@code dir}, under their
   * own names, and returns their paths.
   */
  public Copy copyTo(Path dir) throws IOException {
    Files.createDirectories(dir);
    return new Copy(copy(readings, dir), copy(channels, dir));
  }

  /** The text of a (plain or gzip) readings file, to compare decoded output with. */
  public static String text(Path file) throws IOException {
    try (InputStream raw = new java.io.BufferedInputStream(Files.newInputStream(file))) {
      raw.mark(2);
      boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
      raw.reset();
      try (InputStream in = gzip ? new java.util.zip.GZIPInputStream(raw) : raw) {
        return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      }
    }
  }

  private static Path copy(String name, Path dir) throws IOException {
    Path target = dir.resolve(name);
    try (InputStream in = Dataset.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new UncheckedIOException(new IOException("dataset file io/mast/datasets/" + name + " is missing from the mast-datasets jar"));
      }
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
    }
    return target;
  }
}

package io.mast.devkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/** The scratch directories of the benchmarks and the class-data training run. */
final class WorkDirs {
  private WorkDirs() {}

  /** Deletes {@code dir} and everything below it, deepest first; what cannot be deleted stays. */
  static void delete(Path dir) throws IOException {
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}

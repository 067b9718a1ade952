package io.mast.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/** A scratch directory for the targets that recover state from files on flash: emptied before each input. */
final class FlashFiles {
  private FlashFiles() {}

  static Path fresh(String name) {
    try {
      Path dir = Path.of(System.getProperty("java.io.tmpdir"), "mast-fuzz-" + ProcessHandle.current().pid(), name);
      if (Files.exists(dir)) {
        try (var walk = Files.walk(dir)) {
          for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
            Files.delete(p);
          }
        }
      }
      Files.createDirectories(dir);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

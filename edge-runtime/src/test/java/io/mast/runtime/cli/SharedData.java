package io.mast.runtime.cli;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the shared sensor datasets, which sit in shared/data beside the project checkout. */
final class SharedData {
  private SharedData() {}

  static Path dir() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      Path candidate = p.resolve("shared/data");
      if (Files.isRegularFile(candidate.resolve("air-uci-2004.csv"))) {
        return candidate;
      }
    }
    fail("shared/data with the real datasets was not found beside the checkout (expected ../shared/data from the project root)");
    return null;
  }
}

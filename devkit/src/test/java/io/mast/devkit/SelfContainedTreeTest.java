package io.mast.devkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Whoever clones Mast has only its own tree: nothing in it may point at a folder beside the
 * checkout (a parent directory's {@code shared} folder, where the datasets once were read from).
 */
class SelfContainedTreeTest {
  /** A path up out of the checkout into a shared folder, in any file. */
  private static final Pattern OUTSIDE = Pattern.compile(
      "\\.\\./(\\.\\./)*shared\\b|\"\\.\\.\"(\\s*,\\s*\"\\.\\.\")*\\s*,\\s*\"shared\"|[^\\w.-]shared[/]data\\b");

  static Path root() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("mvnw")) && Files.isRegularFile(p.resolve("run-tests"))) {
        return p;
      }
    }
    throw new AssertionError("the project root (with mvnw and run-tests) is not above " + Path.of("").toAbsolutePath());
  }

  @Test
  void noFileOfTheProjectRefersToAFolderOutsideIt() throws IOException {
    Path root = root();
    List<String> hits = new ArrayList<>();
    int scanned = 0;
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(Files::isRegularFile).filter(f -> included(root.relativize(f))).toList()) {
        scanned++;
        String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
        var m = OUTSIDE.matcher(text);
        while (m.find()) {
          int line = (int) text.substring(0, m.start()).chars().filter(c -> c == '\n').count() + 1;
          hits.add(root.relativize(f) + ":" + line + ": " + m.group());
        }
      }
    }
    assertTrue(scanned > 100, "the walk saw the tree: " + scanned + " files");
    assertEquals(List.of(), hits);
  }

  @Test
  void thePatternFindsAReferenceToTheSharedFolder() {
    String shared = "sha" + "red"; // spelled in pieces, so that this file does not match itself
    for (String bad : List.of("Path.of(\"..\", \"..\", \"" + shared + "\", \"data\")",
        "defaultValue = \"../" + shared + "/data\"", "see ../../" + shared + "/DESIGN.md",
        "the datasets in " + shared + "/data beside it")) {
      assertTrue(OUTSIDE.matcher(bad).find(), bad);
    }
    assertFalse(OUTSIDE.matcher("a shared counter, data/README.md, io/mast/sim/data").find());
  }

  private static boolean included(Path relative) {
    for (Path part : relative) {
      if (part.toString().equals("target") || part.toString().equals(".git") || part.toString().equals("mast-sim")) {
        return false;
      }
    }
    return !relative.toString().endsWith(".gz");
  }
}

package io.mast.protocol;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real openssl (a test peer) in a directory; a missing openssl fails the test with how to install it. Shared with other modules' tests (this module's test-jar). */
public final class Openssl {
  private final Path dir;

  public Openssl(Path dir) {
    this.dir = dir;
  }

  /** Runs {@code openssl args...} in the directory and returns its output; a non-zero exit fails the test. */
  public String run(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(binary());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    p.getInputStream().transferTo(out);
    String text = out.toString(StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      fail("openssl " + String.join(" ", args) + " failed: " + text);
    }
    return text;
  }

  private static String binary() {
    for (String c : List.of("/usr/bin/openssl", "/usr/local/bin/openssl")) {
      if (Files.isExecutable(Path.of(c))) {
        return c;
      }
    }
    throw new AssertionError("openssl is not installed; run ./run-tests (it installs it) or apt-get install openssl");
  }
}

package io.mast.devkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harnesses' kill: what a child printed before its SIGKILL, still in the pipe, is read to the
 * end. The power-cut harness once believed a child had said less than it had (the JDK's
 * {@code destroyForcibly} closed the pipe under a reader that lagged) and reported the child's
 * last durable write as one that was never made.
 */
class ChildJvmTest {
  private static final int LINES = 2_000;

  @TempDir
  Path dir;

  /** A child that prints {@value #LINES} lines, says so in a file, and waits to be killed. */
  private Process printer() throws IOException {
    Path done = dir.resolve("printed");
    Files.deleteIfExists(done);
    Process p = new ProcessBuilder("sh", "-c",
        "i=0; while [ $i -lt " + LINES + " ]; do echo \"line $i\"; i=$((i+1)); done; : > '" + done + "'; exec sleep 120")
        .redirectErrorStream(true).start();
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(done));
    return p;
  }

  private static List<String> readAll(Process p) {
    List<String> lines = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        lines.add(line);
      }
    } catch (IOException closed) {
      lines.add("(closed: " + closed.getMessage() + ")");
    }
    return lines;
  }

  @Test
  void aKilledChildsOutputIsReadToTheEnd() throws Exception {
    Process p = printer();
    ChildJvm.kill(p);
    assertTrue(!p.isAlive());
    List<String> lines = readAll(p);
    assertEquals(LINES, lines.size(), "last: " + (lines.isEmpty() ? "none" : lines.get(lines.size() - 1)));
    assertEquals("line " + (LINES - 1), lines.get(LINES - 1));
  }

  @Test
  void theJdksForcedDestroyLosesWhatWasNotYetReadWhichIsWhyTheHarnessesDoNotUseIt() throws Exception {
    Process p = printer();
    p.destroyForcibly().waitFor();
    List<String> lines = readAll(p);
    assertTrue(lines.size() < LINES || !lines.get(LINES - 1).equals("line " + (LINES - 1)),
        "read " + lines.size() + " lines after destroyForcibly");
  }
}

package io.mast.devkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.cli.Cli;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mast sim}: the simulated board alone on pseudo-terminals, read by {@code mast probe} as a technician would. */
class SimCommandTest {
  @TempDir
  Path dir;

  @Test
  void mastSimMovesItsDevicesLikeALivePoleByDefault() throws Exception {
    try (ChildRun sim = ChildRun.start(dir.resolve("sim.log"), java.util.Map.of(), "sim", "--pty-dir", dir.resolve("tty").toString(),
        "--duration", "120")) {
      String out = sim.awaitOutput("with live values", java.time.Duration.ofSeconds(60));
      String rs485 = out.lines().filter(l -> l.startsWith("sim:rs485 ")).findFirst().orElseThrow(() -> new AssertionError(out))
          .substring("sim:rs485 ".length()).strip();
      java.util.Set<String> seen = new java.util.HashSet<>();
      org.awaitility.Awaitility.await("the pH probe's register changes").atMost(java.time.Duration.ofSeconds(30))
          .pollInterval(java.time.Duration.ofMillis(500)).until(() -> {
            Cli.Result r = Cli.run("", "probe", "modbus", "--port", rs485, "--address", "1", "--register", "0", "--input");
            assertEquals(0, r.status(), r.out() + r.err());
            assertTrue(r.out().matches("register 0 = \\d+\n"), r.out());
            assertTrue(!r.out().equals("register 0 = 0\n"), "a live value, not the register's 0");
            seen.add(r.out());
            return seen.size() >= 2;
          });
    }
  }
}

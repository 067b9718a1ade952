package io.mast.pole;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.runtime.console.Pole;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime under a fake systemd: socat listens on a Unix datagram socket given as
 * {@code NOTIFY_SOCKET}; the watchdog sends {@code READY=1}, then {@code WATCHDOG=1} at half the
 * watchdog interval, stops pinging while the sampling timer hangs (and says why in
 * {@code STATUS=}), pings again once it runs, and says {@code STOPPING=1} at the end.
 */
class SystemdWatchdogTest {
  @TempDir
  Path dir;

  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  /** socat receiving datagrams on {@code socket}, each appended to {@code log}, a NUL after each. */
  private Process listen(Path socket, Path log) throws Exception {
    Process p;
    try {
      p = new ProcessBuilder("socat", "-u", "UNIX-RECV:" + socket, "OPEN:" + log + ",creat,append").redirectErrorStream(true)
          .redirectOutput(dir.resolve("socat.out").toFile()).start();
    } catch (java.io.IOException e) {
      throw new AssertionError("socat is not installed; install it with: apt-get install socat (./run-tests does this)", e);
    }
    open.add(() -> {
      p.destroy();
      p.waitFor();
    });
    Awaitility.await("socat listening on " + socket).atMost(Duration.ofSeconds(10)).until(() -> Files.exists(socket) || !p.isAlive());
    assertTrue(p.isAlive(), Files.exists(dir.resolve("socat.out")) ? Files.readString(dir.resolve("socat.out")) : "socat ended");
    return p;
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }

  @Test
  void readyThenPingsAtHalfTheIntervalWhileTheRuntimeTurnsNoneWhileSamplingHangsAndStoppingAtTheEnd() throws Exception {
    Pole pole = new Pole(dir).started();
    open.add(pole);
    Path socket = dir.resolve("notify.sock");
    Path log = dir.resolve("notify.log");
    listen(socket, log);
    // WatchdogSec=2: a ping every second
    SystemdWatchdog watchdog = SystemdWatchdog.start(pole.runtime, () -> "status line", socket.toString(), 2_000_000);
    assertTrue(watchdog != null);
    open.add(watchdog);

    // READY=1 first; then pings, each within the interval of the one before (seen by polling the log every 20 ms)
    List<Long> seen = new ArrayList<>();
    int[] last = {0};
    Awaitility.await("five pings").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
      int n = count(Files.readString(log, StandardCharsets.UTF_8), "WATCHDOG=1");
      for (int i = last[0]; i < n; i++) {
        seen.add(System.nanoTime());
      }
      last[0] = n;
      return n >= 5;
    });
    String text = Files.readString(log, StandardCharsets.UTF_8);
    assertTrue(text.startsWith("READY=1\nSTATUS=status line"), text);
    for (int i = 1; i < seen.size(); i++) {
      long gapMs = (seen.get(i) - seen.get(i - 1)) / 1_000_000;
      assertTrue(gapMs < 2_000, "a ping within WatchdogSec of the one before: " + gapMs + " ms");
    }

    // the sampling timer hangs: the watchdog says why and pings no more
    CountDownLatch release = new CountDownLatch(1);
    pole.runtime.timer().schedule(Duration.ZERO, () -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    Awaitility.await("the watchdog sees the hang").atMost(Duration.ofSeconds(60))
        .until(() -> Files.readString(log, StandardCharsets.UTF_8).contains("STATUS=stuck: the sampling timer has not run for"));
    String stuck = Files.readString(log, StandardCharsets.UTF_8);
    int pingsAtStuck = count(stuck, "WATCHDOG=1");
    // two more stuck reports later, still no ping
    Awaitility.await("two more stuck reports").atMost(Duration.ofSeconds(30))
        .until(() -> count(Files.readString(log, StandardCharsets.UTF_8), "STATUS=stuck") >= count(stuck, "STATUS=stuck") + 2);
    assertEquals(pingsAtStuck, count(Files.readString(log, StandardCharsets.UTF_8), "WATCHDOG=1"), "no ping while sampling hangs");

    // the timer runs again: pings again (so the silence above was the watchdog's, not a deaf listener)
    release.countDown();
    Awaitility.await("pings again").atMost(Duration.ofSeconds(30))
        .until(() -> count(Files.readString(log, StandardCharsets.UTF_8), "WATCHDOG=1") > pingsAtStuck);

    watchdog.close();
    Awaitility.await("STOPPING=1").atMost(Duration.ofSeconds(10))
        .until(() -> Files.readString(log, StandardCharsets.UTF_8).contains("STOPPING=1"));
  }
}

package io.mast.runtime.uplink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Reconnection timing and its log on a manual clock. */
class ReconnectsTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final List<String> lines = new ArrayList<>();
  private final Reconnects reconnects = new Reconnects(new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(600), new Random(3)),
      now::get, lines::add);

  @Test
  void theDelayLoggedIsTheDelayWaitedHoweverOftenTheUplinkIsWoken() {
    assertTrue(reconnects.due(), "the first attempt at once");
    Duration delay = reconnects.failed("tcp://b:1883", "Connection refused");
    assertTrue(lines.get(0).endsWith("next attempt in " + delay.toMillis() + " ms"), lines.get(0));
    // woken every millisecond by store commits: still not due until the delay has passed
    for (long waited = 0; waited < delay.toNanos() - 1_000_000; waited += 1_000_000) {
      assertFalse(reconnects.due(), "after " + waited / 1_000_000 + " ms of " + delay.toMillis());
      now.addAndGet(1_000_000);
    }
    now.set(now.get() + reconnects.remainingNanos());
    assertTrue(reconnects.due());
    assertEquals(0, reconnects.remainingNanos());
  }

  @Test
  void repeatedFailuresSayOneLineAMinuteWithTheCountOfTheRestAndANewReasonAtOnce() {
    Reconnects quick = new Reconnects(new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(5), new Random(3)), now::get, lines::add);
    long start = now.get();
    for (int i = 0; i < 30; i++) {
      now.addAndGet(quick.failed("tcp://b:1883", "Connection refused").toNanos() + 1);
    }
    long minutes = (now.get() - start) / Reconnects.QUIET.toNanos();
    int first = lines.size();
    assertTrue(first >= 1 && first <= minutes + 1, first + " lines for 30 failures in " + minutes + " min: " + lines);
    assertFalse(lines.get(0).contains("more failed attempt"), lines.get(0));
    assertTrue(lines.stream().skip(1).allMatch(l -> l.contains("more failed attempt")), lines.toString());
    quick.failed("tcp://b:1883", "Unknown host b");
    assertEquals(first + 1, lines.size(), "a new reason is said at once");
    String last = lines.get(lines.size() - 1);
    assertTrue(last.contains("failed: Unknown host b; next attempt in "), last);
    int said = lines.size() + lines.stream().mapToInt(ReconnectsTest::unsaid).sum();
    assertEquals(31, said, "every attempt is either a line or counted in the next line: " + lines);
    assertTrue(lines.stream().noneMatch(l -> l.contains("\n") || l.contains("\tat ")), "one line each, no stack trace");
    quick.connected();
    assertTrue(quick.due());
    quick.failed("tcp://b:1883", "Unknown host b");
    assertEquals(first + 2, lines.size(), "after a connection the next failure is said again");
  }

  private static int unsaid(String line) {
    Matcher m = Pattern.compile("\\((\\d+) more failed attempts?").matcher(line);
    return m.find() ? Integer.parseInt(m.group(1)) : 0;
  }
}

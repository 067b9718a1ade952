package io.mast.runtime.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.seams.DurableFiles;
import io.mast.seams.ManualScheduler;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoginGuardTest {
  private static final String HASH = PinHash.hash("4711".toCharArray(), new byte[16], 1_000);

  @TempDir
  Path dir;

  @Test
  void fiveWrongPinsLockLoginsAndTheLockSurvivesARestartAndGrows() throws Exception {
    ManualScheduler time = new ManualScheduler();
    Clock clock = time.clock(Instant.parse("2026-06-01T08:00:00Z"));
    Path file = dir.resolve("login.state");
    try (LoginGuard guard = LoginGuard.open(DurableFiles.real(), file, clock)) {
      assertEquals("wrong PIN; 4 more tries before logins lock", guard.attempt("1".toCharArray(), HASH).message());
      for (int i = 0; i < 3; i++) {
        guard.attempt("1".toCharArray(), HASH);
      }
      assertEquals("wrong PIN; logins are locked for 30 s", guard.attempt("2".toCharArray(), HASH).message());
    }
    try (LoginGuard again = LoginGuard.open(DurableFiles.real(), file, clock)) {
      LoginGuard.Attempt locked = again.attempt("4711".toCharArray(), HASH);
      assertFalse(locked.admitted(), "the right PIN is not even checked while locked, restart or not");
      assertEquals("logins are locked for 30 s more after 5 wrong PINs; wait, then try again", locked.message());
      time.advance(Duration.ofSeconds(30));
      assertEquals("wrong PIN; logins are locked for 60 s", again.attempt("3".toCharArray(), HASH).message(), "the next lock is longer");
      time.advance(Duration.ofSeconds(60));
      assertTrue(again.attempt("4711".toCharArray(), HASH).admitted());
      assertEquals(0, again.failures());
    }
  }

  @Test
  void aClockThatWentBackLocksNoLongerThanAnHourAndNoPinMeansNoLogin() throws Exception {
    ManualScheduler time = new ManualScheduler();
    Path file = dir.resolve("login.state");
    try (LoginGuard guard = LoginGuard.open(DurableFiles.real(), file, time.clock(Instant.parse("2030-01-01T00:00:00Z")))) {
      for (int i = 0; i < 5; i++) {
        guard.attempt("0".toCharArray(), HASH);
      }
    }
    ManualScheduler back = new ManualScheduler();
    try (LoginGuard guard = LoginGuard.open(DurableFiles.real(), file, back.clock(Instant.parse("1970-01-02T00:00:00Z")))) {
      assertTrue(guard.attempt("4711".toCharArray(), HASH).message().startsWith("logins are locked for 3600 s more"));
      back.advance(Duration.ofHours(1));
      assertTrue(guard.attempt("4711".toCharArray(), HASH).admitted(), "an hour at most, whatever the clock said before");
      assertEquals("no technician PIN is set on this pole (console.pin_hash; make one with: mast console hash-pin)",
          guard.attempt("4711".toCharArray(), "").message());
    }
  }
}

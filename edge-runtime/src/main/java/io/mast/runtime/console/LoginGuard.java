package io.mast.runtime.console;

import io.mast.seams.DurableFiles;
import io.mast.seams.TwoSlotFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * Who may log in to the console, and when: the technician PIN checked against
 * {@code console.pin_hash}, and a lock after {@value #FREE_FAILURES} failures in a row that grows
 * with every further failure (30 s, 60 s, 120 s... at most an hour). The count and the lock survive
 * a power cut and a restart: they live in a {@link TwoSlotFile} (magic "MLOG", payload format 1:
 * failures in a row as 4 bytes, then the end of the lock as 8 bytes of Unix milliseconds).
 *
 * <p>While locked, a PIN is not even checked. A lock whose end lies further ahead than the longest
 * lock (the clock went back, as on a board without a real-time clock) counts from now instead, so
 * no clock can lock a technician out for longer than an hour.
 *
 * <p>Not thread safe: the shell serialises logins.
 */
public final class LoginGuard implements AutoCloseable {
  /** Failures in a row allowed before the first lock. */
  public static final int FREE_FAILURES = 5;
  static final Duration FIRST_LOCK = Duration.ofSeconds(30);
  static final Duration LONGEST_LOCK = Duration.ofHours(1);
  private static final int MAGIC = 0x4d4c4f47; // "MLOG"

  /** The outcome of one attempt, with what to tell the person. */
  public record Attempt(boolean admitted, String message) {}

  private final TwoSlotFile file;
  private final Clock clock;
  private int failures;
  private long lockedUntil;

  private LoginGuard(TwoSlotFile file, Clock clock) {
    this.file = file;
    this.clock = clock;
    if (!file.opened().empty() && file.opened().payload().length >= 12) {
      ByteBuffer b = ByteBuffer.wrap(file.opened().payload());
      failures = b.getInt();
      lockedUntil = b.getLong();
    } else if (file.opened().lost()) {
      // both slots damaged: assume the worst a person could have caused, a full lock
      failures = FREE_FAILURES;
      lockedUntil = clock.millis() + FIRST_LOCK.toMillis();
    }
  }

  public static LoginGuard open(DurableFiles files, Path path, Clock clock) throws IOException {
    return new LoginGuard(TwoSlotFile.open(files, path, MAGIC, 64), clock);
  }

  /**
   * Checks {@code pin} against {@code pinHash} (empty when no PIN is set: nobody may log in) and
   * records the outcome durably before answering.
   */
  public Attempt attempt(char[] pin, String pinHash) throws IOException {
    long now = clock.millis();
    if (lockedUntil - now > LONGEST_LOCK.toMillis()) {
      lockedUntil = now + LONGEST_LOCK.toMillis(); // the clock went back: an hour from now at most
      save();
    }
    long left = lockedUntil - now;
    if (left > 0) {
      return new Attempt(false, "logins are locked for " + seconds(left) + " s more after " + failures
          + " wrong PINs; wait, then try again");
    }
    if (pinHash.isEmpty()) {
      return new Attempt(false, "no technician PIN is set on this pole (console.pin_hash; make one with: mast console hash-pin)");
    }
    if (PinHash.matches(pin, pinHash)) {
      failures = 0;
      lockedUntil = 0;
      save();
      return new Attempt(true, "logged in");
    }
    failures++;
    String message;
    if (failures >= FREE_FAILURES) {
      long lock = Math.min(LONGEST_LOCK.toMillis(), FIRST_LOCK.toMillis() << Math.min(20, failures - FREE_FAILURES));
      lockedUntil = now + lock;
      message = "wrong PIN; logins are locked for " + seconds(lock) + " s";
    } else {
      message = "wrong PIN; " + (FREE_FAILURES - failures) + " more " + (FREE_FAILURES - failures == 1 ? "try" : "tries")
          + " before logins lock";
    }
    save();
    return new Attempt(false, message);
  }

  /** Failures in a row so far. */
  public int failures() {
    return failures;
  }

  private void save() throws IOException {
    file.write(1, ByteBuffer.allocate(12).putInt(failures).putLong(lockedUntil).array());
  }

  private static long seconds(long millis) {
    return (millis + 999) / 1000;
  }

  @Override
  public void close() throws IOException {
    file.close();
  }
}

package io.mast.runtime.agent;

import io.mast.seams.DurableFiles;
import io.mast.seams.TwoSlotFile;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import org.tinylog.Logger;

/**
 * The config agent's {@link GuardState} on flash, and the clock rule that rests on it: the pole's
 * time for validity checks never goes below the persisted clock floor (the newest issue time
 * verified) or this release, so a board without a real-time clock, back at 1970 after a power
 * cut, neither takes an expired message nor calls a fresh one "not valid yet".
 */
final class GuardStateFile implements AutoCloseable {
  /**
   * No pole runs before this release was made: a clock earlier than this (a board without a
   * real-time clock, back at 1970 after a power cut, before it learned the time) is not trusted.
   */
  static final long EARLIEST_TRUSTED = Instant.parse("2026-01-01T00:00:00Z").getEpochSecond();

  private final TwoSlotFile file;
  private final Path path;
  private final Clock clock;
  private volatile GuardState state;

  private GuardStateFile(TwoSlotFile file, Path path, Clock clock) throws IOException {
    this.file = file;
    this.path = path;
    this.clock = clock;
    this.state = GuardState.read(file.opened(), path);
  }

  static GuardStateFile open(DurableFiles files, Path path, Clock clock) throws IOException {
    TwoSlotFile file = GuardState.open(files, path);
    if (file.opened().lost()) {
      Logger.warn("config: {} was damaged; the clock floor and version history start again", path);
    }
    return new GuardStateFile(file, path, clock);
  }

  /** The state in force. Any thread. */
  GuardState get() {
    return state;
  }

  Path path() {
    return path;
  }

  /** Writes {@code next}, which is then the state in force; false (and logged) when it could not be written. */
  boolean save(GuardState next) {
    try {
      next.write(file);
      state = next;
      return true;
    } catch (IOException e) {
      Logger.error("config: writing {} failed: {}", path, e.getMessage());
      return false;
    }
  }

  /** The clock floor rises to {@code issuedAt} (a verified message's issue time), if it is newer. */
  void sawIssued(long issuedAt) {
    if (issuedAt > state.clockFloor()) {
      save(state.floor(issuedAt));
    }
  }

  /** The pole's time for validity checks: the clock, never below the floor or this release. Any thread. */
  long now() {
    return Math.max(clock.instant().getEpochSecond(), Math.max(state.clockFloor(), EARLIEST_TRUSTED));
  }

  /** Whether the clock can judge that a message is from the future: it is not behind what the pole has already seen. */
  boolean clockTrusted() {
    return clock.instant().getEpochSecond() >= Math.max(state.clockFloor(), EARLIEST_TRUSTED);
  }

  @Override
  public void close() throws IOException {
    file.close();
  }
}

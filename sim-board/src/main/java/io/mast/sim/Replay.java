package io.mast.sim;

import io.mast.protocol.ReadingsCsv;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * Feeds a readings CSV ({@link ReadingsCsv}: {@code time,channel,value}, ISO-8601 UTC times in
 * order, decimal values; plain or gzip) into a {@link SimulatedBoard}, so drivers read real
 * signals through real bytes: register values for Modbus, frames for PMS5003 and MH-Z19, pulses for
 * counters (the first value of a counter sets its baseline).
 *
 * <p>{@code mapping} names, for each CSV channel to replay, the board channel it drives
 * ({@code water.meter07 -> water.volume}); other rows are skipped and counted. Rows are played at
 * {@code speed} times real time from the first row's time: a speed of 3600 plays an hour a second.
 * A malformed row (bad time, bad number, wrong field count) is counted with its line number and
 * skipped. Waiting goes through a {@link Sleeper}, so tests replay days at once.
 */
public final class Replay {
  /** Waits for a replay row's time. */
  @FunctionalInterface
  public interface Sleeper {
    void sleepMillis(long millis) throws InterruptedException;
  }

  /** What a replay did: rows played, skipped (other channels) and malformed, and the first problem. */
  public record Result(long played, long skipped, long malformed, String firstProblem) {}

  private final SimulatedBoard board;
  private final Map<String, String> mapping;
  private final double speed;
  private final Sleeper sleeper;

  public Replay(SimulatedBoard board, Map<String, String> mapping, double speed, Sleeper sleeper) {
    if (!(speed > 0)) {
      throw new IllegalArgumentException("replay speed " + speed + " must be above 0");
    }
    this.board = board;
    this.mapping = Map.copyOf(mapping);
    this.speed = speed;
    this.sleeper = sleeper;
  }

  /** Plays {@code csv} to its end, or until interrupted. */
  public Result play(Path csv) throws IOException, InterruptedException {
    long played = 0;
    long skipped = 0;
    long malformed = 0;
    String first = "";
    try (ReadingsCsv.Rows rows = ReadingsCsv.open(csv, ReadingsCsv.READINGS_HEADER)) {
      long start = Long.MIN_VALUE;
      long waited = 0;
      while (true) {
        try {
          ReadingsCsv.Row row = rows.next();
          if (row == null) {
            break;
          }
          String[] f = row.fields();
          if (f.length != 3) {
            throw new IllegalArgumentException(row.where() + ": " + f.length + " fields, not 3");
          }
          String target = mapping.get(f[1].strip());
          if (target == null) {
            skipped++;
            continue;
          }
          long time = timeMillis(row, f[0]);
          BigDecimal value = decimal(row, f[2]);
          start = start == Long.MIN_VALUE ? time : start;
          long due = (long) ((time - start) / speed);
          if (due > waited) {
            sleeper.sleepMillis(due - waited);
            waited = due;
          }
          board.set(target, mantissa(target, value, row));
          played++;
        } catch (ReadingsCsv.MalformedRowException | IllegalArgumentException e) {
          malformed++;
          if (first.isEmpty()) {
            first = e.getMessage();
          }
        }
      }
    }
    return new Result(played, skipped, malformed, first);
  }

  private static long timeMillis(ReadingsCsv.Row row, String field) {
    try {
      return Instant.parse(field.strip()).toEpochMilli();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(row.where() + ": time '" + field + "' is not ISO-8601 UTC", e);
    }
  }

  private static BigDecimal decimal(ReadingsCsv.Row row, String field) {
    try {
      return new BigDecimal(field.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(row.where() + ": value '" + field + "' is not a decimal number", e);
    }
  }

  private long mantissa(String channel, BigDecimal value, ReadingsCsv.Row row) {
    try {
      return value.movePointRight(-board.exponent(channel)).setScale(0, RoundingMode.HALF_EVEN).longValueExact();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(row.where() + ": value " + value + " does not fit " + channel, e);
    }
  }
}

package io.mast.sim;

import java.io.BufferedReader;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * Feeds a readings CSV (the format of {@code shared/data/README.md}: {@code time,channel,value},
 * ISO-8601 UTC times in order, decimal values) into a {@link SimulatedBoard}, so drivers read real
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
    try (BufferedReader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
      String header = in.readLine();
      if (header == null || !header.strip().equals("time,channel,value")) {
        throw new IOException(csv + " is not a readings CSV: its header is '" + header + "', not 'time,channel,value'");
      }
      Instant start = null;
      long waited = 0;
      String line;
      long number = 1;
      while ((line = in.readLine()) != null) {
        number++;
        String[] f = line.split(",", -1);
        String target = f.length == 3 ? mapping.get(f[1]) : null;
        if (f.length == 3 && target == null) {
          skipped++;
          continue;
        }
        try {
          if (f.length != 3) {
            throw new IllegalArgumentException(f.length + " fields, not 3");
          }
          Instant time = Instant.parse(f[0]);
          BigDecimal value = new BigDecimal(f[2]);
          start = start == null ? time : start;
          long due = (long) ((time.toEpochMilli() - start.toEpochMilli()) / speed);
          if (due > waited) {
            sleeper.sleepMillis(due - waited);
            waited = due;
          }
          board.set(target, mantissa(target, value));
          played++;
        } catch (DateTimeParseException | IllegalArgumentException | ArithmeticException e) {
          malformed++;
          if (first.isEmpty()) {
            first = csv.getFileName() + " line " + number + ": " + e.getMessage();
          }
        }
      }
    }
    return new Result(played, skipped, malformed, first);
  }

  private long mantissa(String channel, BigDecimal value) {
    return value.movePointRight(-board.exponent(channel)).setScale(0, RoundingMode.HALF_EVEN).longValueExact();
  }
}

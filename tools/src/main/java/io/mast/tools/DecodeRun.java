package io.mast.tools;

import io.mast.protocol.ChannelProfile;
import io.mast.protocol.FrameCorruptException;
import io.mast.protocol.Reading;
import io.mast.protocol.ReadingsCsv;
import java.io.PrintStream;
import java.util.List;

/**
 * One run of {@code mast decode}: where its rows and complaints go, and what it counted. Bad input
 * is told on {@code err} with its place and counted; the run goes on.
 */
final class DecodeRun {
  /** A reading and the profile that names its channel. */
  record Row(Reading reading, ChannelProfile profile) {}

  final PrintStream out;
  final PrintStream err;
  final boolean follow;
  long frames;
  long readings;
  long duplicates;
  long refused;
  long alarms;
  long skipped;
  long errors;

  DecodeRun(PrintStream out, PrintStream err, boolean follow) {
    this.out = out;
    this.err = err;
    this.follow = follow;
  }

  /** Rows as CSV, sorted by time, then channel id, as the datasets are. */
  void writeSorted(List<Row> rows) {
    rows.sort((a, b) -> Reading.BY_TIME_THEN_CHANNEL.compare(a.reading(), b.reading()));
    for (Row row : rows) {
      ReadingsCsv.write(out, row.profile(), row.reading());
    }
  }

  /** A damaged copy: refused before its sequence number is read, so a good copy of the same frame that comes later is kept. */
  void refused(String where, FrameCorruptException e) {
    refused++;
    err.println("mast decode: " + where + ": " + e.getMessage() + "; refused");
  }

  void error(String message) {
    errors++;
    err.println("mast decode: " + message);
  }

  String summary() {
    return String.format("frames=%d readings=%d alarms=%d duplicates=%d refused=%d skipped=%d errors=%d", frames, readings, alarms,
        duplicates, refused, skipped, errors);
  }
}

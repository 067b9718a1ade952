package io.mast.tools;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The tables {@code mast ingest} writes, created and migrated by the tool itself: each migration
 * runs once, in order, in one transaction under an advisory lock, so that several instances
 * starting together against one database migrate it once and wait for each other. The version
 * reached is kept in {@code mast_schema}.
 *
 * <p>Keys make every insert idempotent (each is {@code ON CONFLICT DO NOTHING}): a reading is
 * one per (device, channel, time), whichever frame carried it (a frame sent twice, or cut again
 * after a restart, gives the same rows); a frame is one per (device, seq); an alarm per (device,
 * seq, channel, time); any other message (status, health, config and OTA answers, audit) per
 * (device, kind, digest of its bytes).
 */
final class IngestSchema {
  /** The advisory lock key of migrations ("mast" in ASCII). */
  private static final long LOCK = 0x6D617374L;

  /** Migrations in order; migration i takes the schema from version i to i + 1. Never edit one that shipped: add another. */
  static final List<String> MIGRATIONS = List.of(
      """
      CREATE TABLE profiles (
        device text NOT NULL, profile_id bigint NOT NULL, body bytea NOT NULL,
        first_seen timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (device, profile_id));
      CREATE TABLE frames (
        device text NOT NULL, seq bigint NOT NULL, profile_id bigint NOT NULL, readings integer NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (device, seq));
      CREATE TABLE readings (
        device text NOT NULL, channel text NOT NULL, t timestamptz NOT NULL, value numeric NOT NULL, seq bigint NOT NULL,
        PRIMARY KEY (device, channel, t));
      CREATE TABLE alarms (
        device text NOT NULL, seq bigint NOT NULL, channel text NOT NULL, t timestamptz NOT NULL, value numeric NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (device, seq, channel, t));
      CREATE TABLE events (
        device text NOT NULL, kind text NOT NULL, digest bytea NOT NULL, body text NOT NULL, payload bytea NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (device, kind, digest));
      CREATE INDEX events_by_time ON events (kind, received_at);
      """);

  private IngestSchema() {}

  /** Brings the database to the newest version; returns the version it found. */
  static int migrate(Connection c) throws SQLException {
    boolean auto = c.getAutoCommit();
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      s.execute("SELECT pg_advisory_xact_lock(" + LOCK + ")");
      s.execute("CREATE TABLE IF NOT EXISTS mast_schema (version integer NOT NULL)");
      int found;
      try (ResultSet r = s.executeQuery("SELECT version FROM mast_schema")) {
        found = r.next() ? r.getInt(1) : 0;
      }
      if (found > MIGRATIONS.size()) {
        throw new SQLException("the database's schema is version " + found + ", newer than this mast's " + MIGRATIONS.size()
            + ": run a newer mast ingest");
      }
      for (int v = found; v < MIGRATIONS.size(); v++) {
        s.execute(MIGRATIONS.get(v));
      }
      s.execute("DELETE FROM mast_schema");
      s.execute("INSERT INTO mast_schema VALUES (" + MIGRATIONS.size() + ")");
      c.commit();
      return found;
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(auto);
    }
  }
}

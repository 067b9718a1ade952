package io.mast.tools;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.mast.protocol.Topics;
import java.net.InetAddress;
import java.sql.Connection;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mast ingest}: the platform's consumer of what poles send, into PostgreSQL
 * ({@link PlatformIngest}, schema in {@link IngestSchema}). Prints rows per second every 10 s and
 * a {@code key=value} line at the end (Ctrl-C, SIGTERM or {@code --duration}).
 */
@Command(name = "ingest", mixinStandardHelpOptions = true,
    description = {"Take frames, alarms, status, health, config and OTA answers and audit records from the broker on a shared",
        "subscription and write them to PostgreSQL, each reading once (by device, channel and time) whatever is delivered twice.",
        "Start several with the same --share and different --client-id to scale out; the schema is created and migrated here.",
        "Example: mast ingest --broker tcp://127.0.0.1:1883 --share ingest --client-id ingest-1 --jdbc jdbc:postgresql://db/mast?user=mast"})
final class IngestCommand implements Callable<Integer> {
  @Mixin
  BrokerOptions mqtt;

  @Option(names = "--share", required = true, paramLabel = "GROUP", description = "The shared subscription group ($share/GROUP/...) of the instances.")
  String share;

  @Option(names = "--client-id", paramLabel = "ID", description = "This instance's MQTT client id, the same at each restart"
      + " (its unacknowledged messages come back to it) and different for each instance (default: mast-ingest-GROUP-HOST).")
  String clientId;

  @Option(names = "--jdbc", required = true, paramLabel = "URL", description = "The database: jdbc:postgresql://HOST:PORT/DB?user=...")
  String jdbc;

  @Option(names = "--db-password-file", paramLabel = "FILE", description = "File holding the database password.")
  java.nio.file.Path dbPasswordFile;

  @Option(names = "--batch", defaultValue = "1000", paramLabel = "N", description = "Messages per transaction at most (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--linger", defaultValue = "200", paramLabel = "MS", description = "How long a batch waits to fill (default: ${DEFAULT-VALUE}).")
  long lingerMs;

  @Option(names = "--pool", defaultValue = "2", paramLabel = "N", description = "Database connections kept (default: ${DEFAULT-VALUE}).")
  int pool;

  @Option(names = "--duration", defaultValue = "0", paramLabel = "S", description = "Stop after S seconds; 0 (the default) runs until Ctrl-C or SIGTERM.")
  long duration;

  @Option(names = "--prefix", defaultValue = Topics.DEFAULT_PREFIX, paramLabel = "TEMPLATE", description = "The poles' topic prefix (default: ${DEFAULT-VALUE}).")
  String prefix;

  @Override
  public Integer call() throws Exception {
    String refusal = mqtt.refusal();
    if (refusal != null) {
      System.err.println("ingest: " + refusal);
      return 2;
    }
    String id = clientId != null ? clientId : "mast-ingest-" + share + "-" + InetAddress.getLocalHost().getHostName();
    HikariConfig hc = new HikariConfig();
    hc.setJdbcUrl(jdbc);
    hc.setMaximumPoolSize(pool);
    hc.setPoolName("mast-ingest");
    hc.addDataSourceProperty("reWriteBatchedInserts", "true"); // a batch of inserts as multi-row inserts: one round trip
    if (dbPasswordFile != null) {
      hc.setPassword(java.nio.file.Files.readString(dbPasswordFile).strip());
    }
    try (HikariDataSource db = new HikariDataSource(hc)) {
      try (Connection c = db.getConnection()) {
        int found = IngestSchema.migrate(c);
        if (found < IngestSchema.MIGRATIONS.size()) {
          System.out.printf("ingest: schema migrated from version %d to %d%n", found, IngestSchema.MIGRATIONS.size());
        }
      }
      CountDownLatch stop = new CountDownLatch(1);
      CountDownLatch done = new CountDownLatch(1);
      Thread hook = new Thread(() -> {
        stop.countDown();
        try {
          done.await(30, TimeUnit.SECONDS); // the last batch written and acknowledged, the figures printed
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "mast-ingest-stop");
      Runtime.getRuntime().addShutdownHook(hook);
      long t0 = System.nanoTime();
      PlatformIngest ingest = new PlatformIngest(mqtt.broker, mqtt.connectOptions(false), id, share, Topics.withPrefix(prefix), db, batch,
          Duration.ofMillis(lingerMs));
      System.out.println("ingest: " + id + " takes $share/" + share + "/" + prefix.replace("{device}", "+") + "... into " + jdbc.replaceAll("password=[^&]*", "password=***"));
      long lastRows = 0;
      long lastAt = t0;
      long end = duration > 0 ? t0 + TimeUnit.SECONDS.toNanos(duration) : Long.MAX_VALUE;
      while (!stop.await(Math.max(0, Math.min(TimeUnit.SECONDS.toNanos(10), end - System.nanoTime())), TimeUnit.NANOSECONDS)
          && System.nanoTime() < end) {
        PlatformIngest.Counts c = ingest.counts();
        long now = System.nanoTime();
        System.out.printf(Locale.ROOT, "ingest: %.0f readings/s; %d messages, %d frames, %d readings, %d held, %d bad%n",
            (c.readings() - lastRows) / ((now - lastAt) / 1e9), c.messages(), c.frames(), c.readings(), c.held(), c.bad());
        lastRows = c.readings();
        lastAt = now;
      }
      ingest.close();
      PlatformIngest.Counts c = ingest.counts();
      double s = (System.nanoTime() - t0) / 1e9;
      System.out.printf(Locale.ROOT, "client=%s seconds=%.1f messages=%d batches=%d frames=%d readings=%d readings_per_s=%.0f"
          + " alarms=%d events=%d profiles=%d held=%d bad=%d%n", id, s, c.messages(), c.batches(), c.frames(), c.readings(),
          c.readings() / s, c.alarms(), c.events(), c.profiles(), c.held(), c.bad());
      System.out.flush();
      done.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException stopping) {
        // the JVM is stopping (SIGTERM): the hook ran already
      }
      return 0;
    }
  }
}

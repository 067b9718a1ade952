package io.mast.sim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's PostgreSQL as a peer for tests and benchmarks: a private cluster made with
 * {@code initdb} in a directory of its own (trust authentication for the user {@code mast},
 * UTF-8), started with {@code pg_ctl} on a free loopback port with its socket in that directory,
 * stopped fast and deleted at {@link #close}. As root the server runs as the {@code postgres}
 * user (it refuses root), so the directory is made outside any private test directory and given
 * to that user. A missing server is an {@link IllegalStateException} with the command that
 * installs it (a test that needs it fails saying so; it never skips).
 */
public final class Postgres implements AutoCloseable {
  /** The role tests and tools connect as. */
  public static final String USER = "mast";

  private final Path dir;
  private final Path bin;
  private final int port;
  private final boolean asPostgres;

  private Postgres(Path dir, Path bin, int port, boolean asPostgres) {
    this.dir = dir;
    this.bin = bin;
    this.port = port;
    this.asPostgres = asPostgres;
  }

  /**
   * Makes and starts a cluster. {@code durable} false turns off fsync and synchronous commit (a
   * test's speed); true keeps PostgreSQL's defaults (a benchmark's honest figures).
   */
  public static Postgres start(boolean durable) throws IOException, InterruptedException {
    Path bin = binaries();
    boolean root = "root".equals(System.getProperty("user.name"));
    Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "mast-pg-");
    Postgres pg = new Postgres(dir, bin, EmbeddedBroker.freePort(), root);
    try {
      if (root) {
        UserPrincipal owner = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
        Files.setOwner(dir, owner);
      }
      pg.run(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-A", "trust", "-U", USER,
          "--no-sync", "-E", "UTF8", "--locale=C"), 60);
      String options = "-k " + dir + " -h 127.0.0.1 -p " + pg.port + " -c max_connections=200"
          + (durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
      pg.run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l", dir.resolve("postgres.log").toString(),
          "-o", options, "-w", "-t", "60", "start"), 90);
      return pg;
    } catch (IOException | InterruptedException | RuntimeException e) {
      pg.close();
      throw e;
    }
  }

  /** The newest {@code /usr/lib/postgresql/VERSION/bin} with initdb, or a failure saying how to install it. */
  static Path binaries() {
    Path root = Path.of("/usr/lib/postgresql");
    List<Path> found = new ArrayList<>();
    if (Files.isDirectory(root)) {
      try (DirectoryStream<Path> versions = Files.newDirectoryStream(root)) {
        for (Path v : versions) {
          if (Files.isExecutable(v.resolve("bin/initdb")) && Files.isExecutable(v.resolve("bin/pg_ctl"))) {
            found.add(v.resolve("bin"));
          }
        }
      } catch (IOException e) {
        // as not installed
      }
    }
    return found.stream().max(Comparator.comparingInt(Postgres::major)).orElseThrow(() -> new IllegalStateException(
        "PostgreSQL is not installed; install it with: sudo apt-get install postgresql (./run-tests does this on Debian as root)"));
  }

  private static int major(Path bin) {
    try {
      return Integer.parseInt(bin.getParent().getFileName().toString());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private void run(List<String> command, int timeoutS) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>();
    if (asPostgres) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(command);
    Path log = dir.resolve("commands.log");
    Process p = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", command) + " did not end within " + timeoutS + " s: " + tail(log));
    }
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): " + tail(log)
          + (Files.exists(dir.resolve("postgres.log")) ? " / server log: " + tail(dir.resolve("postgres.log")) : ""));
    }
  }

  private static String tail(Path file) throws IOException {
    if (!Files.exists(file)) {
      return "";
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    return String.join(" | ", lines.subList(Math.max(0, lines.size() - 6), lines.size()));
  }

  public int port() {
    return port;
  }

  /** The JDBC URL of the cluster's {@code postgres} database as {@link #USER}. */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=" + USER;
  }

  /** Stops the server (fast: open sessions are ended) and deletes its directory. */
  @Override
  public void close() throws IOException, InterruptedException {
    try {
      if (Files.exists(dir.resolve("data/postmaster.pid"))) {
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "stop"), 60);
      }
    } finally {
      try (Stream<Path> all = Files.walk(dir)) {
        for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}

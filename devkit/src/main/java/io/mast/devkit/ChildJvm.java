package io.mast.devkit;

import io.mast.cli.MastCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A child JVM running {@code mast} with this JVM's java and class path, started the way the
 * {@code mast} launcher starts one: with the class-data archive of the distribution when this JVM
 * runs from the distribution and the archive is there, and with glibc held to two malloc arenas.
 */
final class ChildJvm {
  /** The JVM options of {@code mast run} on a pole, in the pole's jar: the launcher reads the same file. */
  static final String RUN_OPTIONS = "/io/mast/pole/run.jvmopts";
  /** The class-data archive {@code mast cds} writes next to the distribution's jar. */
  static final String ARCHIVE = "mast.jsa";

  private ChildJvm() {}

  /** The options of {@value #RUN_OPTIONS}: one or more per line, {@code #} starts a comment. */
  static List<String> runOptions() {
    try (InputStream in = ChildJvm.class.getResourceAsStream(RUN_OPTIONS)) {
      if (in == null) {
        throw new IllegalStateException(RUN_OPTIONS + " is missing from the class path (the mast-pole jar)");
      }
      List<String> options = new ArrayList<>();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        int hash = line.indexOf('#');
        String kept = (hash >= 0 ? line.substring(0, hash) : line).strip();
        if (!kept.isEmpty()) {
          options.addAll(Arrays.asList(kept.split("\\s+")));
        }
      }
      return options;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The run options followed by {@code more}, which win where they repeat one. */
  static List<String> runOptions(String... more) {
    List<String> options = runOptions();
    options.addAll(Arrays.asList(more));
    return options;
  }

  /** The distribution's jar when this JVM runs from it (the launcher puts it first on the class path). */
  static Optional<Path> distributionJar() {
    String first = System.getProperty("java.class.path").split(java.io.File.pathSeparator)[0];
    Path jar = Path.of(first);
    String name = jar.getFileName() == null ? "" : jar.getFileName().toString();
    return name.startsWith("mast-devkit-") && name.endsWith(".jar") ? Optional.of(jar) : Optional.empty();
  }

  /** The class-data archive of the distribution this JVM runs from, if {@code mast cds} has made it. */
  static Optional<Path> archive() {
    return distributionJar().map(j -> j.resolveSibling(ARCHIVE)).filter(Files::isRegularFile);
  }

  /**
   * Kills {@code p} with SIGKILL and waits for it, leaving its output readable to the end.
   * {@link Process#destroyForcibly()} also closes this side of the child's pipes, so lines the
   * child wrote just before it died, still in the pipe, would be lost to a reader that has not
   * reached them: a harness would then believe less of the child's work was done than it said.
   */
  static void kill(Process p) throws InterruptedException {
    p.toHandle().destroyForcibly();
    p.waitFor();
  }

  /** SIGTERM to {@code p} (a pole saves what it holds on the way out), SIGKILL after {@code graceSeconds}, and waits for it. */
  static void stop(Process p, long graceSeconds) throws InterruptedException {
    p.destroy();
    if (!p.waitFor(graceSeconds, java.util.concurrent.TimeUnit.SECONDS)) {
      kill(p);
    }
  }

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * The command line: java, the archive if {@code withArchive} and there is one, {@code jvmOptions},
   * the class path, MastCommand, {@code args}.
   */
  private static List<String> command(List<String> jvmOptions, List<String> args, boolean withArchive) {
    List<String> cmd = new ArrayList<>();
    cmd.add(java());
    if (withArchive) {
      archive().ifPresent(a -> cmd.add("-XX:SharedArchiveFile=" + a));
    }
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), MastCommand.class.getName()));
    cmd.addAll(args);
    return cmd;
  }

  /** {@link #mast(List, List, boolean)} with the archive. */
  static ProcessBuilder mast(List<String> jvmOptions, List<String> args) {
    return mast(jvmOptions, args, true);
  }

  /** A process builder for {@link #command}, with {@code MALLOC_ARENA_MAX=2} unless the environment sets it. */
  static ProcessBuilder mast(List<String> jvmOptions, List<String> args, boolean withArchive) {
    ProcessBuilder pb = new ProcessBuilder(command(jvmOptions, args, withArchive));
    pb.environment().putIfAbsent("MALLOC_ARENA_MAX", "2");
    return pb;
  }
}

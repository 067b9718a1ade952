package io.mast.devkit;

import io.mast.sim.EmbeddedBroker;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mast cds}: the class-data archive of the distribution. A short simulated run against a
 * broker in this process (so the broker's classes stay out of the archive) records the classes
 * {@code mast run} loads; {@code java -Xshare:dump} then writes them, parsed and laid out, to
 * {@code mast.jsa} next to the distribution's jar. With it the JVM maps those classes instead of
 * reading them from the jars: {@code mast run} starts about a third faster and holds less memory
 * than with the JDK's own archive, which maps classes it never uses.
 *
 * <p>The archive belongs to one JDK and one build of the jars: the JVM checks both and ignores an
 * archive that does not match. The {@code mast} launcher runs this after every build; on a pole it
 * runs once after installing.
 */
@Command(name = "cds", mixinStandardHelpOptions = true,
    description = "Make the class-data archive (mast.jsa next to the distribution's jar) that makes mast run start faster and use less memory.")
final class CdsCommand implements Callable<Integer> {
  /** How long a training run samples by default: past 10 s, so it includes the first health report. */
  static final int TRAINING_S = 11;

  @Option(names = "--duration", defaultValue = "" + TRAINING_S, paramLabel = "SECONDS",
      description = "How long the training run samples, in seconds; past 10 s it includes the first health report (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Option(names = "--list", paramLabel = "FILE",
      description = "Only list the classes (the training run) in FILE, for an archive made elsewhere: the pole's package ships the list and makes its archive at install.")
  Path list;

  private final PrintStream err = System.err;

  @Override
  public Integer call() throws Exception {
    if (list != null) {
      return listOnly();
    }
    Path jar = ChildJvm.distributionJar().orElseThrow(() -> new IllegalStateException(
        "the archive is made for the distribution; run it as ./mast cds (this JVM's class path starts with "
            + System.getProperty("java.class.path").split(java.io.File.pathSeparator)[0] + ")"));
    Path archive = jar.resolveSibling(ChildJvm.ARCHIVE);
    Path work = Files.createTempDirectory("mast-cds-");
    long start = System.nanoTime();
    try {
      Path fresh = work.resolve(ChildJvm.ARCHIVE);
      long listed = makeArchive(work, seconds, fresh);
      Files.move(fresh, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      err.printf("mast cds: %d classes listed by a %d s training run, archived in %s (%.1f MB) in %.1f s%n", listed, seconds, archive,
          Files.size(archive) / 1048576.0, (System.nanoTime() - start) / 1e9);
      return 0;
    } finally {
      WorkDirs.delete(work);
    }
  }

  /**
   * A class-data archive of this JVM's class path at {@code archive}: a training run of
   * {@code seconds} in {@code work}, then {@code java -Xshare:dump} with the pole's options, as
   * a pole makes its own at install. Returns how many classes it lists.
   */
  static long makeArchive(Path work, int seconds, Path archive) throws Exception {
    Path classes = work.resolve("classes.list");
    train(classes, work, seconds);
    Files.write(classes, stable(Files.readAllLines(classes)));
    List<String> dump = new ArrayList<>(List.of(ChildJvm.java(), "-Xshare:dump"));
    dump.addAll(ChildJvm.runOptions());
    dump.addAll(List.of("-XX:SharedClassListFile=" + classes, "-XX:SharedArchiveFile=" + archive, "-cp", System.getProperty("java.class.path")));
    run(new ProcessBuilder(dump), work.resolve("dump.log"), "java -Xshare:dump");
    return listed(classes);
  }

  /** {@code --list FILE}: the training run's class list, written to FILE whole (aside, then renamed). */
  private int listOnly() throws Exception {
    Path work = Files.createTempDirectory("mast-cds-");
    try {
      Path classes = work.resolve("classes.list");
      train(classes, work, seconds);
      Path parent = list.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Path aside = parent.resolve(list.getFileName() + ".tmp");
      Files.write(aside, stable(Files.readAllLines(classes)));
      Files.move(aside, list, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      long listed = listed(list);
      err.printf("mast cds: %d classes listed by a %d s training run in %s%n", listed, seconds, list);
      return 0;
    } finally {
      WorkDirs.delete(work);
    }
  }

  /**
   * A class list in an order of its own: the comments, the classes sorted by name, then the
   * {@code @} lines (lambda proxies and forms) sorted. The JVM writes the classes in the order its
   * threads happened to load them, so two training runs of the same build list them differently;
   * the archive does not depend on the order (each class is loaded by name, its supertypes first),
   * but an update does: a list reordered from one build to the next would cost every pole the
   * whole file, 280 KB over NB-IoT, in each patch.
   */
  static List<String> stable(List<String> lines) {
    List<String> comments = new ArrayList<>();
    java.util.TreeSet<String> classes = new java.util.TreeSet<>();
    java.util.TreeSet<String> at = new java.util.TreeSet<>();
    for (String l : lines) {
      if (l.startsWith("#")) {
        comments.add(l);
      } else if (l.startsWith("@")) {
        at.add(l);
      } else if (!l.isBlank()) {
        classes.add(l);
      }
    }
    List<String> out = new ArrayList<>(comments);
    out.addAll(classes);
    out.addAll(at);
    return out;
  }

  /** The classes a class list names (its comments and {@code @} lines, such as lambda proxies, left out). */
  private static long listed(Path classes) throws java.io.IOException {
    return Files.readAllLines(classes).stream().filter(l -> !l.isEmpty() && !l.startsWith("#") && !l.startsWith("@")).count();
  }

  /** The training run: the simulated pole sampling, storing and sending to a broker here, with the pole's JVM options. */
  private static void train(Path classes, Path work, int seconds) throws Exception {
    try (EmbeddedBroker broker = EmbeddedBroker.start(0)) {
      List<String> options = ChildJvm.runOptions("-XX:DumpLoadedClassList=" + classes);
      List<String> args = List.of("run", "--sim", "--broker", broker.uri(), "--store", work.resolve("state").toString(),
          "--device-id", "cds-training", "--duration", Integer.toString(seconds));
      run(ChildJvm.mast(options, args, false), work.resolve("training.log"), "the training run");
    }
  }

  private static void run(ProcessBuilder pb, Path log, String what) throws IOException, InterruptedException {
    Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IOException(what + " did not end in 5 minutes:\n" + Files.readString(log));
    }
    if (p.exitValue() != 0) {
      throw new IOException(what + " failed (exit " + p.exitValue() + "):\n" + Files.readString(log));
    }
  }
}

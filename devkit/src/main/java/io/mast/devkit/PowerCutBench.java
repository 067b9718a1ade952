package io.mast.devkit;

import io.mast.ota.Packer;
import io.mast.protocol.OtaManifestMessage;
import io.mast.runtime.console.PinHash;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mast bench powercut}: power cuts below the page cache. The pole's durable parts (the
 * ring store, the config store, the pulse meter's journal, the console's audit log and login
 * state, an OTA download with its staging and boot pointer switch) write in a child
 * ({@link PowerCutWork}) on the power-cut file system ({@link CutFs}); at a random moment the child
 * is killed and the file system drops everything not synced (tearing the last write at a sector
 * boundary every other cut); then each part is opened again here and its promise checked:
 *
 * <ul>
 *   <li>{@code lost}: something its contract had made durable is not back (a reading a group
 *       commit covered, a config version applied, a pulse total checkpointed, an audit entry
 *       appended, a failed login counted, download chunks checkpointed, a boot pointer switch);
 *   <li>{@code corrupt}: something came back that was never written whole (a reading whose value
 *       is not its own, a config that is not one of the versions, a slot the boot pointer names
 *       whose files do not match the release);
 *   <li>{@code failed_opens}: the part could not be opened at all.
 * </ul>
 *
 * Prints a line per part: {@code component= cycles= lost= corrupt= failed_opens=}.
 */
@Command(name = "powercut", mixinStandardHelpOptions = true,
    description = {"Cut the power under the pole's durable parts on a FUSE file system that drops what was not synced, and check "
        + "each part after every cut.", "Example: mast bench powercut --cycles 1000"})
final class PowerCutBench implements Callable<Integer> {
  static final List<String> COMPONENTS = List.of("store", "config", "pulse", "audit", "login", "ota");

  @Option(names = "--cycles", defaultValue = "100", paramLabel = "N", description = "Power cuts (default: ${DEFAULT-VALUE}).")
  int cycles;

  @Option(names = "--seed", defaultValue = "29", description = "Seed of the cut moments and tears (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--work", paramLabel = "DIR", description = "Where the file system's backing and mount go (default: a temporary directory, removed after).")
  Path workDir;

  /** One component's tally. */
  static final class Tally {
    int cycles;
    int lost;
    int corrupt;
    int failedOpens;
    final List<String> findings = new ArrayList<>();
    /** What the part had last made durable when the power went, by kind (OTA: chunks, untried, switched, active). */
    final Map<String, Integer> cutAt = new java.util.TreeMap<>();

    void finding(String kind, int cycle, String what) {
      switch (kind) {
        case "lost" -> lost++;
        case "corrupt" -> corrupt++;
        default -> failedOpens++;
      }
      if (findings.size() < 10) {
        findings.add("cycle " + cycle + ": " + kind + ": " + what);
      }
    }

    boolean clean() {
      return lost == 0 && corrupt == 0 && failedOpens == 0;
    }
  }

  @Override
  public Integer call() throws Exception {
    Map<String, Tally> t = run(cycles, seed, workDir, System.out);
    boolean clean = true;
    for (var e : t.entrySet()) {
      Tally y = e.getValue();
      System.out.printf("component=%s cycles=%d lost=%d corrupt=%d failed_opens=%d cut_after=%s%n", e.getKey(), y.cycles, y.lost,
          y.corrupt, y.failedOpens, y.cutAt);
      y.findings.forEach(f -> System.out.println("  " + f));
      clean &= y.clean();
    }
    return clean ? 0 : 1;
  }

  /** The release the OTA part stages: {@code dist} packed (the same bytes in the writer and the checker). */
  static Packer.Packed release(Path dist) throws IOException {
    return Packer.pack(dist, new Packer.Release("9.9.9", 9, "sim", 17, 4_000_000_000L, ""));
  }

  /** A release of a few files (about 300 KB of fixed pseudo-random bytes) under {@code dist}. */
  static void writeDist(Path dist) throws IOException {
    Random r = new Random(7);
    Files.createDirectories(dist.resolve("lib"));
    for (String name : List.of("lib/mast.jar", "lib/extra.jar", "mast.jvmopts")) {
      byte[] b = new byte[name.endsWith(".jar") ? 150_000 : 300];
      r.nextBytes(b);
      Files.write(dist.resolve(name), b);
    }
  }

  /**
   * The console's PIN hash format ({@code pbkdf2-sha256$ITERATIONS$SALT$HASH}) at its least cost,
   * 1,000 iterations: what is cut here is the login state's write, not the hashing, which at the
   * shipped cost would leave a cut little to interrupt.
   */
  static String cheapPinHash(String pin) throws java.security.GeneralSecurityException {
    byte[] salt = new byte[16];
    new Random(3).nextBytes(salt);
    javax.crypto.spec.PBEKeySpec spec = new javax.crypto.spec.PBEKeySpec(pin.toCharArray(), salt, 1_000, 256);
    byte[] hash = javax.crypto.SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    java.util.Base64.Encoder b64 = java.util.Base64.getEncoder().withoutPadding();
    String made = "pbkdf2-sha256$1000$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    if (!PinHash.matches(pin.toCharArray(), made)) {
      throw new IllegalStateException("the PIN hash format changed: " + made);
    }
    return made;
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (var walk = Files.walk(p)) {
      for (Path x : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(x);
      }
    }
  }

  /** Runs {@code cycles} cuts; the tally per component. */
  static Map<String, Tally> run(int cycles, long seed, Path workDir, PrintStream progress) throws Exception {
    Path work = workDir != null ? workDir : Files.createTempDirectory("mast-bench-powercut-");
    Path backing = work.resolve("disk");
    Path dist = work.resolve("dist");
    deleteTree(backing);
    deleteTree(dist);
    writeDist(dist);
    Packer.Packed packed = release(dist);
    // the running slot, there before the first cut, as a flashed pole has it
    Path slotA = backing.resolve("ota/slots/a");
    for (OtaManifestMessage.File f : packed.manifest().files()) {
      Files.createDirectories(slotA.resolve(f.path()).getParent());
      Files.copy(dist.resolve(f.path()), slotA.resolve(f.path()));
    }
    String pinHash = cheapPinHash(PowerCutWork.PIN);
    Map<String, Tally> tally = new LinkedHashMap<>();
    COMPONENTS.forEach(c -> tally.put(c, new Tally()));
    Map<String, String> acked = new ConcurrentHashMap<>();
    Random random = new Random(seed);
    try (CutFs fs = CutFs.mount(backing, work.resolve("mnt"))) {
      Path m = fs.mount();
      for (int cycle = 1; cycle <= cycles; cycle++) {
        Process p = ChildJvm.mast(ChildJvm.runOptions(), List.of("bench", "powercut-work", "--dir", m.toString(), "--dist",
            dist.toString(), "--pin-hash", pinHash)).redirectErrorStream(true).start();
        List<String> other = new ArrayList<>();
        Thread reader = new Thread(() -> read(p, acked, other), "powercut-reader");
        reader.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!acked.containsKey("ready") && p.isAlive() && System.nanoTime() < deadline) {
          Thread.sleep(5); // a benchmark's pacing: the child says when its parts are open
        }
        acked.remove("ready");
        Thread.sleep(random.nextInt(1_200)); // the cut comes at a random moment of the writing
        ChildJvm.kill(p);
        reader.join();
        boolean tear = cycle % 2 == 0;
        fs.cut(tear);
        synchronized (other) {
          if (!other.isEmpty()) {
            progress.println("powercut: cycle " + cycle + ": the writer said " + other);
          }
        }
        PowerCutChecks.check(m, packed, dist, pinHash, acked, cycle, tally);
        String said = fs.log().replace("mounted\n", "").strip();
        if (!said.isEmpty()) {
          throw new IllegalStateException("the power-cut file system failed at cycle " + cycle + ": " + said);
        }
        if (cycle % 50 == 0 || cycle == cycles) {
          progress.println("powercut: " + cycle + " cycles; " + fs.counts());
        }
      }
    } finally {
      if (workDir == null) {
        deleteTree(work);
      }
    }
    return tally;
  }

  private static void read(Process p, Map<String, String> acked, List<String> other) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        int sp = line.indexOf(' ');
        String what = sp < 0 ? line : line.substring(0, sp);
        if (COMPONENTS.contains(what) || what.equals("ready")) {
          acked.put(what, line.substring(sp + 1));
        } else if (line.startsWith("failed") || line.contains("Exception") || line.contains(" ERROR ")) {
          synchronized (other) {
            if (other.size() < 20) {
              other.add(line);
            }
          }
        }
      }
    } catch (IOException e) {
      // the pipe stays open through the kill (ChildJvm.kill), so this is not the end of a child
      synchronized (other) {
        other.add("reading the writer's output failed: " + e);
      }
    }
  }
}

package io.mast.devkit;

import io.mast.config.ConfigStore;
import io.mast.config.Validation;
import io.mast.config.model.DeviceConfig;
import io.mast.drivers.PulseTotals;
import io.mast.ota.BootState;
import io.mast.ota.Download;
import io.mast.ota.Packer;
import io.mast.protocol.OtaManifestMessage;
import io.mast.protocol.Reading;
import io.mast.runtime.console.AuditLog;
import io.mast.runtime.console.LoginGuard;
import io.mast.runtime.console.PinHash;
import io.mast.seams.DurableFiles;
import io.mast.store.RingStore;
import io.mast.store.StoredRecord;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
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
        Map<String, String> before = new LinkedHashMap<>(acked);
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
        p.destroyForcibly();
        p.waitFor();
        reader.join();
        boolean tear = cycle % 2 == 0;
        fs.cut(tear);
        synchronized (other) {
          if (!other.isEmpty()) {
            progress.println("powercut: cycle " + cycle + ": the writer said " + other);
          }
        }
        check(m, packed, dist, pinHash, acked, before, cycle, tally);
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
    } catch (IOException ended) {
      // the child was killed
    }
  }

  private interface Check {
    void run(Tally t) throws Exception;
  }

  private static void check(Path m, Packer.Packed packed, Path dist, String pinHash, Map<String, String> acked, Map<String, String> before,
      int cycle, Map<String, Tally> tally) {
    DurableFiles files = DurableFiles.real();
    part(tally, acked, "store", cycle, t -> checkStore(m.resolve("store"), acked.get("store"), t, cycle));
    part(tally, acked, "config", cycle, t -> {
      ConfigStore store = ConfigStore.open(m.resolve("config"), files, Validation.Mode.DRY_RUN);
      DeviceConfig c = store.current();
      long want = acked.containsKey("config") ? Long.parseLong(acked.get("config")) : 0;
      if (c == null) {
        if (want > 0) {
          t.finding("lost", cycle, "no config; version " + want + " was applied");
        }
        return;
      }
      if (c.getVersion() < want) {
        t.finding("lost", cycle, "version " + c.getVersion() + " in force; " + want + " was applied");
      }
      if (!c.equals(PowerCutWork.configOf(c.getVersion()))) {
        t.finding("corrupt", cycle, "version " + c.getVersion() + " is not the config of that version");
      }
      long seen = acked.containsKey("config-seen") ? Long.parseLong(acked.get("config-seen")) : 0;
      if (c.getVersion() > Math.max(want, seen) + 1) {
        // the writer goes on from what it finds, which may be a version made durable and not yet said
        t.finding("corrupt", cycle, "version " + c.getVersion() + " is ahead of any written (" + want + " applied, " + seen
            + " found after the last cut)");
      }
      acked.put("config-seen", Long.toString(c.getVersion()));
    });
    part(tally, acked, "pulse", cycle, t -> {
      long total = PulseTotals.read(m.resolve("pulse/journal")).total();
      long want = acked.containsKey("pulse") ? Long.parseLong(acked.get("pulse")) : 0;
      long seen = acked.containsKey("pulse-seen") ? Long.parseLong(acked.get("pulse-seen")) : 0;
      if (total < want) {
        t.finding("lost", cycle, "total " + total + "; " + want + " was checkpointed");
      } else if (total > Math.max(want, seen) + 1) {
        t.finding("corrupt", cycle, "total " + total + " was never written (" + want + " checkpointed, " + seen
            + " found after the last cut)");
      }
      acked.put("pulse-seen", Long.toString(total));
    });
    part(tally, acked, "audit", cycle, t -> {
      AuditLog log = AuditLog.open(files, m.resolve("audit"), 16 * 1024);
      long want = acked.containsKey("audit") ? Long.parseLong(acked.get("audit")) : 0;
      if (log.nextSeq() - 1 < want) {
        t.finding("lost", cycle, "the log ends at " + (log.nextSeq() - 1) + "; " + want + " was appended");
      }
      for (AuditLog.Entry e : log.recent(50)) {
        if (!e.what().equals("change number " + e.seq()) || !e.who().equals("tech")) {
          t.finding("corrupt", cycle, "entry " + e.seq() + " reads '" + e.who() + " " + e.what() + "'");
        }
      }
    });
    part(tally, acked, "login", cycle, t -> {
      int want = acked.containsKey("login") ? Integer.parseInt(acked.get("login")) : 0;
      Clock clock = Clock.fixed(Instant.EPOCH, ZoneOffset.UTC);
      files.createDirectories(m.resolve("login")); // as the console does
      try (LoginGuard guard = LoginGuard.open(files, m.resolve("login/login.state"), clock)) {
        if (want >= LoginGuard.FREE_FAILURES) {
          LoginGuard.Attempt a = guard.attempt(PowerCutWork.PIN.toCharArray(), pinHash);
          if (a.admitted()) {
            t.finding("lost", cycle, "logins are not locked after " + want + " failures were counted");
          }
        }
      }
      if (want >= LoginGuard.FREE_FAILURES) {
        deleteTree(m.resolve("login")); // the next cycle counts from nothing again
        syncDir(m);
        acked.remove("login");
      }
    });
    part(tally, acked, "ota", cycle, t -> checkOta(m.resolve("ota"), packed, dist, acked.get("ota"), t, cycle));
  }

  private static void part(Map<String, Tally> tally, Map<String, String> acked, String name, int cycle, Check check) {
    Tally t = tally.get(name);
    t.cycles++;
    if (acked.get(name) == null) {
      t.cutAt.merge("nothing", 1, Integer::sum);
    } else {
      t.cutAt.merge(acked.get(name).split(" ")[0].matches("\\d+") ? "steps" : acked.get(name).split(" ")[0], 1, Integer::sum);
    }
    try {
      check.run(t);
    } catch (Exception | Error e) {
      t.finding("failed_open", cycle, e.toString());
    }
  }

  private static void checkStore(Path d, String ackedSeq, Tally t, int cycle) throws Exception {
    if (!Files.exists(d)) {
      if (ackedSeq != null) {
        t.finding("lost", cycle, "no store; reading " + ackedSeq + " was committed");
      }
      return;
    }
    long want = ackedSeq == null ? 0 : Long.parseLong(ackedSeq);
    try (RingStore store = RingStore.builder(d).capacityBytes(2L << 20).open()) {
      long acked = store.stats().readings().ackedSeq();
      long last = store.stats().readings().lastSeq();
      if (last < want) {
        t.finding("lost", cycle, "the store ends at " + last + "; " + want + " was committed");
      }
      long next = acked + 1;
      while (true) {
        List<StoredRecord> page = store.read(next, 256);
        if (page.isEmpty()) {
          break;
        }
        for (StoredRecord r : page) {
          if (r.seq() != next) {
            if (r.seq() <= want) {
              t.finding("lost", cycle, "records " + next + " to " + (r.seq() - 1) + " are missing");
            }
          }
          for (Reading x : r.readings()) {
            if (x.mantissa() != x.time() * 7) {
              t.finding("corrupt", cycle, "record " + r.seq() + " holds " + x);
            }
          }
          next = r.seq() + 1;
        }
      }
      if (next <= want) {
        t.finding("lost", cycle, "records " + next + " to " + want + " are missing");
      }
      if (store.stats().readings().corruptRecords() > 0) {
        t.finding("corrupt", cycle, store.stats().readings().corruptRecords() + " records found damaged");
      }
    }
  }

  private static void checkOta(Path d, Packer.Packed packed, Path dist, String acked, Tally t, int cycle) throws Exception {
    DurableFiles files = DurableFiles.real();
    BootState boot = BootState.read(files, d);
    for (String slot : boot.trial().isEmpty() ? List.of(boot.active()) : List.of(boot.active(), boot.trial())) {
      String wrong = slotWrong(d.resolve("slots").resolve(slot), packed.manifest(), dist);
      if (wrong != null) {
        t.finding("corrupt", cycle, "the boot pointer names slot " + slot + ", which would not run: " + wrong);
      }
    }
    if (acked == null) {
      return;
    }
    if (acked.startsWith("untried ")) {
      String slot = acked.substring(8);
      if (boot.trial().equals(slot)) {
        t.finding("lost", cycle, "the boot pointer names slot " + slot + " for a trial again after it was cleared: " + boot);
      }
    } else if (acked.startsWith("switched ")) {
      String slot = acked.substring(9);
      if (!boot.trial().equals(slot) && !boot.active().equals(slot)) {
        t.finding("lost", cycle, "the switch to slot " + slot + " is undone: " + boot);
      }
    } else if (acked.startsWith("active ")) {
      String slot = acked.substring(7);
      if (!boot.active().equals(slot)) {
        t.finding("lost", cycle, "the commit of slot " + slot + " is undone: " + boot);
      }
    } else if (acked.startsWith("chunks ")) {
      int want = Integer.parseInt(acked.substring(7));
      try (Download dl = Download.open(d.resolve("download"), packed.manifest(), files)) {
        int have = packed.chunks().size() - dl.missing();
        if (have < want) {
          t.finding("lost", cycle, have + " chunks back; " + want + " were checkpointed");
        }
      }
    }
  }

  /** Why the slot at {@code slot} would not run the release, or null when every file matches. */
  private static String slotWrong(Path slot, OtaManifestMessage manifest, Path dist) throws IOException {
    for (OtaManifestMessage.File f : manifest.files()) {
      Path p = slot.resolve(f.path());
      if (!Files.isRegularFile(p)) {
        return f.path() + " is missing";
      }
      byte[] sha;
      try {
        sha = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
      if (!MessageDigest.isEqual(sha, f.sha256())) {
        return f.path() + " does not match the release (" + Files.size(p) + " bytes)";
      }
    }
    return null;
  }

  private static void syncDir(Path dir) throws IOException {
    DurableFiles.real().syncDirectory(dir);
  }
}

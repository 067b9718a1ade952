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
import io.mast.seams.DurableFiles;
import io.mast.store.RingStore;
import io.mast.store.StoredRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/**
 * What {@link PowerCutBench} checks after each cut, part by part: each part opened again as the
 * pole opens it, and its promise held against what the writer said it had made durable
 * ({@code acked}): nothing lost, nothing returned that was never written whole, every open
 * succeeds, the boot pointer names slots that run.
 */
final class PowerCutChecks {
  private PowerCutChecks() {}

  private interface Check {
    void run(PowerCutBench.Tally t) throws Exception;
  }

  static void check(Path m, Packer.Packed packed, Path dist, String pinHash, Map<String, String> acked, int cycle,
      Map<String, PowerCutBench.Tally> tally) {
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
        PowerCutBench.deleteTree(m.resolve("login")); // the next cycle counts from nothing again
        syncDir(m);
        acked.remove("login");
      }
    });
    part(tally, acked, "ota", cycle, t -> checkOta(m.resolve("ota"), packed, dist, acked.get("ota"), t, cycle));
  }

  private static void part(Map<String, PowerCutBench.Tally> tally, Map<String, String> acked, String name, int cycle, Check check) {
    PowerCutBench.Tally t = tally.get(name);
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

  private static void checkStore(Path d, String ackedSeq, PowerCutBench.Tally t, int cycle) throws Exception {
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

  private static void checkOta(Path d, Packer.Packed packed, Path dist, String acked, PowerCutBench.Tally t, int cycle) throws Exception {
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

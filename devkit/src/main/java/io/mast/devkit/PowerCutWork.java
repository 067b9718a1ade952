package io.mast.devkit;

import io.mast.config.ConfigStore;
import io.mast.config.Validation;
import io.mast.config.model.DeviceConfig;
import io.mast.drivers.PulseTotals;
import io.mast.ota.BootState;
import io.mast.ota.Download;
import io.mast.ota.Packer;
import io.mast.protocol.Reading;
import io.mast.runtime.console.AuditLog;
import io.mast.runtime.console.LoginGuard;
import io.mast.seams.DurableFiles;
import io.mast.sim.SimulatedBoard;
import io.mast.store.RingStore;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The writer side of {@code mast bench powercut}, run as a child the harness kills: each of the
 * pole's durable parts writes in a loop of its own under {@code --dir} (the power-cut file
 * system), and after each step that its contract calls durable it prints {@code COMPONENT VALUE}:
 * {@code store SEQ} (a group commit covers the reading), {@code config VERSION} (the config store
 * applied it), {@code pulse TOTAL} (the journal's checkpoint), {@code audit SEQ} (the audit log
 * appended it), {@code login FAILURES} (the login guard counted a failed PIN), {@code ota chunks
 * N} (a download checkpoint), {@code ota switched SLOT} (staged, and the boot pointer set to try
 * it), {@code ota active SLOT} (committed). Nothing here checks: the harness does, after the cut.
 */
@Command(name = "powercut-work", hidden = true, description = "The writer a power-cut benchmark kills (internal).")
final class PowerCutWork implements Callable<Integer> {
  /** The PIN the login guard is given (a wrong one) and its hash's PIN. */
  static final String PIN = "2468";

  @Option(names = "--dir", required = true, description = "Where the parts write: the power-cut file system's mount.")
  Path dir;

  @Option(names = "--dist", required = true, description = "The release the OTA part downloads, stages and switches to.")
  Path dist;

  @Option(names = "--pin-hash", required = true, description = "The console PIN hash the login guard checks wrong PINs against.")
  String pinHash;

  private final PrintStream out = System.out;

  private synchronized void said(String component, Object value) {
    out.println(component + " " + value);
    out.flush();
  }

  @Override
  public Integer call() throws Exception {
    DurableFiles files = DurableFiles.real();
    List<Thread> parts = new ArrayList<>();
    parts.add(part("store", () -> store(dir.resolve("store"))));
    parts.add(part("config", () -> config(dir.resolve("config"), files)));
    parts.add(part("pulse", () -> pulse(dir.resolve("pulse"))));
    parts.add(part("audit", () -> audit(dir.resolve("audit"), files)));
    parts.add(part("login", () -> login(dir.resolve("login"), files)));
    parts.add(part("ota", () -> ota(dir.resolve("ota"), files)));
    said("ready", parts.size());
    for (Thread t : parts) {
      t.join();
    }
    return 0;
  }

  interface Work {
    void run() throws Exception;
  }

  private Thread part(String name, Work work) {
    Thread t = new Thread(() -> {
      try {
        work.run();
      } catch (Exception | Error e) {
        said("failed", name + ": " + e);
      }
    }, "powercut-" + name);
    t.start();
    return t;
  }

  private void store(Path d) throws Exception {
    DurableFiles.real().createDirectories(d);
    try (RingStore store = RingStore.builder(d).capacityBytes(2L << 20).syncInterval(java.time.Duration.ofMillis(5)).open()) {
      long i = store.stats().readings().lastSeq();
      while (true) {
        i++;
        RingStore.Receipt r = store.append(List.of(new Reading(0, i, i * 7)));
        r.durable().get();
        said("store", r.seq());
        if (r.seq() % 64 == 0) {
          store.ack(r.seq() - 512); // keeps the store from filling: what is left unacknowledged is checked
        }
      }
    }
  }

  /** A config whose site names its version, so a half-written one shows. */
  static DeviceConfig configOf(long version) throws Exception {
    DeviceConfig base = SimulatedBoard.exampleConfig();
    return base.toBuilder().setVersion(version).setIdentity(base.getIdentity().toBuilder().setSite("site of version " + version)).build();
  }

  private void config(Path d, DurableFiles files) throws Exception {
    ConfigStore store = ConfigStore.open(d, files, Validation.Mode.DRY_RUN);
    if (store.current() == null) {
      store.adopt(configOf(1));
      said("config", 1);
    }
    while (true) {
      long next = store.current().getVersion() + 1;
      store.apply(configOf(next));
      said("config", next);
    }
  }

  private void pulse(Path d) throws Exception {
    DurableFiles.real().createDirectories(d);
    Path journal = d.resolve("journal");
    long total = PulseTotals.read(journal).total();
    while (true) {
      total++;
      PulseTotals.set(journal, total);
      said("pulse", total);
    }
  }

  private void audit(Path d, DurableFiles files) throws Exception {
    files.createDirectories(d);
    AuditLog log = AuditLog.open(files, d, 16 * 1024);
    while (true) {
      AuditLog.Entry e = log.append(Instant.ofEpochSecond(1_800_000_000L), "tech", "change number " + log.nextSeq());
      said("audit", e.seq());
    }
  }

  private void login(Path d, DurableFiles files) throws Exception {
    files.createDirectories(d); // as the console does
    // a clock that a lock never outlasts: every attempt is judged, so every one writes the guard's state
    long[] now = {0};
    Clock clock = new Clock() {
      @Override
      public java.time.ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return Instant.ofEpochMilli(now[0]);
      }
    };
    try (LoginGuard guard = LoginGuard.open(files, d.resolve("login.state"), clock)) {
      int failures = 0;
      while (failures < LoginGuard.FREE_FAILURES) {
        LoginGuard.Attempt a = guard.attempt("0000".toCharArray(), pinHash);
        if (a.admitted()) {
          throw new IllegalStateException("a wrong PIN was admitted");
        }
        failures++;
        said("login", failures);
      }
    }
    Thread.sleep(Long.MAX_VALUE); // locked: nothing more to write until the cut
  }

  private void ota(Path d, DurableFiles files) throws Exception {
    Packer.Packed packed = PowerCutBench.release(dist);
    Path download = d.resolve("download");
    while (true) {
      BootState boot = BootState.read(files, d);
      try (Download dl = Download.open(download, packed.manifest(), files)) {
        for (int i = 0; i < packed.chunks().size(); i++) {
          if (!dl.has(i)) {
            String refused = dl.accept(i, packed.chunks().get(i));
            if (refused != null) {
              throw new IllegalStateException(refused);
            }
            if (i % 4 == 3) {
              dl.checkpoint();
              said("ota", "chunks " + (packed.chunks().size() - dl.missing()));
            }
          }
        }
        dl.checkpoint();
        said("ota", "chunks " + packed.chunks().size());
        String target = BootState.other(boot.active());
        Path slot = d.resolve("slots").resolve(target);
        if (boot.trial().equals(target)) {
          // as the pole's staging does: the pointer stops naming the slot before it is rewritten
          boot = new BootState(boot.active(), "", 0, boot.last());
          boot.write(files, d);
          said("ota", "untried " + target);
        }
        PowerCutBench.deleteTree(slot);
        dl.assemble(slot);
        new BootState(boot.active(), target, 0, "installed:" + target).write(files, d);
        said("ota", "switched " + target);
        new BootState(target, "", 0, "committed:" + target).write(files, d);
        said("ota", "active " + target);
      }
      PowerCutBench.deleteTree(download); // the next round downloads again, into the other slot
    }
  }
}

package io.mast.devkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The power-cut file system ({@code cutfs.py}, shipped in this jar) mounted for a test or a
 * benchmark: what is written under {@link #mount()} reaches the disk only when synced, and
 * {@link #cut} drops the rest, as the power going does, below the page cache that a kill -9
 * leaves intact. Needs Debian's {@code python3-fusepy} and {@code fuse3} ({@code ci/peers install}
 * installs them) and a usable {@code /dev/fuse}; without them {@link #mount} fails saying so.
 */
final class CutFs implements AutoCloseable {
  static final String INSTALL = "install it with: sudo apt-get install python3-fusepy fuse3 (or ci/peers install)";

  private final Path mount;
  private final Process process;
  private final Path log;

  private CutFs(Path mount, Process process, Path log) {
    this.mount = mount;
    this.process = process;
    this.log = log;
  }

  /** Mounts a power-cut file system at {@code mount} whose durable state lives in {@code backing}. */
  static CutFs mount(Path backing, Path mount) throws IOException, InterruptedException {
    if (!Files.isExecutable(Path.of("/usr/bin/python3"))) {
      throw new IllegalStateException("/usr/bin/python3 is missing; " + INSTALL);
    }
    if (!Files.exists(Path.of("/dev/fuse"))) {
      throw new IllegalStateException("/dev/fuse is missing: this machine (or container) has no FUSE; the power-cut tests need it");
    }
    if (!Files.isExecutable(Path.of("/usr/bin/fusermount3")) && !Files.isExecutable(Path.of("/usr/bin/fusermount"))) {
      throw new IllegalStateException("fusermount is missing; " + INSTALL);
    }
    Files.createDirectories(backing);
    Files.createDirectories(mount);
    Path script = Files.createTempFile("mast-cutfs-", ".py");
    try (InputStream in = CutFs.class.getResourceAsStream("cutfs.py")) {
      if (in == null) {
        throw new IllegalStateException("cutfs.py is missing from the devkit jar");
      }
      Files.write(script, in.readAllBytes());
    }
    Path log = mount.resolveSibling(mount.getFileName() + ".cutfs.log");
    Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), backing.toString(), mount.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (p.isAlive() && System.nanoTime() < deadline && !Files.readString(log).contains("mounted\n")) {
      Thread.sleep(10); // a mount coming up: nothing to wait on but its word
    }
    Files.deleteIfExists(script);
    String said = Files.readString(log);
    if (p.isAlive() && said.contains("mounted\n")) {
      return new CutFs(mount, p, log);
    }
    p.destroyForcibly().waitFor();
    throw new IllegalStateException("cutfs did not mount at " + mount + ": " + said.strip()
        + (said.contains("No module named 'fusepy'") ? "; " + INSTALL : ""));
  }

  /** What cutfs said (it says nothing after "mounted" unless an operation failed). */
  String log() throws IOException {
    return Files.readString(log);
  }

  Path mount() {
    return mount;
  }

  /** The power goes: everything not synced is dropped; with {@code tear}, a sector-aligned prefix of the last unsynced write survives. */
  void cut(boolean tear) throws IOException {
    Files.writeString(mount.resolve(".cutfs"), tear ? "cut tear" : "cut");
  }

  /** The file system's counts: writes, syncs, directory syncs, cuts, torn bytes. */
  String counts() throws IOException {
    return Files.readString(mount.resolve(".cutfs")).strip();
  }

  @Override
  public void close() throws IOException, InterruptedException {
    String tool = Files.isExecutable(Path.of("/usr/bin/fusermount3")) ? "/usr/bin/fusermount3" : "/usr/bin/fusermount";
    Process u = new ProcessBuilder(tool, "-u", mount.toString()).redirectErrorStream(true).start();
    u.waitFor(10, TimeUnit.SECONDS);
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }
}

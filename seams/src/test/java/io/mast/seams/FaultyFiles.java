package io.mast.seams;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Real files with faults injected at chosen points, as a power cut or a full card causes them:
 * the test double of {@link DurableFiles} for every module that writes durable state.
 *
 * <p><b>Files written in place.</b> It remembers every positional write not yet forced, with
 * the bytes it replaced, so {@link #powerCut} can put back what an unforced write changed (all
 * of it, or all but the writes a predicate keeps, for a card that persisted some later pages and
 * not earlier ones). A write can fail outright (full card), or write only a prefix and then stop
 * the "process" (torn write); a force can fail before or after it forces.
 *
 * <p><b>Whole files.</b> Every {@code writeAndSync}, {@code rename} and {@code syncDirectory} is
 * a step, counted from 0; {@link #failAtStep} makes one of them the moment of the power cut:
 * it does nothing, or, for a write with {@code tear}, leaves the first half of the bytes.
 *
 * <p>After a crash every operation fails, as a dead process does nothing more; a new instance
 * (or {@link DurableFiles#real()}) on the same directory plays the reboot. Locks are not taken:
 * the layer stands for one process, and a crashed one is abandoned.
 */
public final class FaultyFiles implements DurableFiles {
  /** One write not yet forced: where, the bytes it replaced and the bytes it wrote. */
  public record Write(Path file, long position, byte[] before, byte[] after) {}

  private final DurableFiles real = DurableFiles.real();
  private final List<Write> unforced = new ArrayList<>();
  private int writes;
  private int forces;
  private int failWritesFrom = Integer.MAX_VALUE;
  private String failMessage;
  private int tearWrite = -1;
  private int tearKeep;
  private int crashBeforeForce = -1;
  private int crashAfterForce = -1;
  private boolean crashed;
  private int steps;
  private int failStep = -1;
  private boolean tearStep;
  private long usableSpace = -1;

  /** Writes from the {@code n}th one on (0: the next) fail with {@code message}; nothing is written. */
  public synchronized FaultyFiles failWritesFrom(int n, String message) {
    failWritesFrom = writes + n;
    failMessage = message;
    return this;
  }

  /** The {@code n}th write from now (0: the next) writes only {@code keep} bytes, then the process dies. */
  public synchronized FaultyFiles tearWrite(int n, int keep) {
    tearWrite = writes + n;
    tearKeep = keep;
    return this;
  }

  /** The {@code n}th force from now dies before forcing anything. */
  public synchronized FaultyFiles crashBeforeForce(int n) {
    crashBeforeForce = forces + n;
    return this;
  }

  /** The {@code n}th force from now forces, then the process dies before it returns. */
  public synchronized FaultyFiles crashAfterForce(int n) {
    crashAfterForce = forces + n;
    return this;
  }

  /**
   * The {@code n}th whole-file step from now (0: the next) is the power cut: nothing happens, or
   * with {@code tear} a write leaves half its bytes; then the process is dead.
   */
  public synchronized FaultyFiles failAtStep(int n, boolean tear) {
    failStep = steps + n;
    tearStep = tear;
    return this;
  }

  public synchronized int writes() {
    return writes;
  }

  public synchronized int forces() {
    return forces;
  }

  /** Whole-file steps so far: writeAndSync, rename and syncDirectory calls. */
  public synchronized int steps() {
    return steps;
  }

  public synchronized boolean crashed() {
    return crashed;
  }

  public synchronized List<Write> unforced() {
    return List.copyOf(unforced);
  }

  /** The power goes: every unforced write is undone, newest first. The process is dead after. */
  public void powerCut() throws IOException {
    powerCut(w -> false);
  }

  /** The power goes: unforced writes are undone, newest first, except those {@code survives} keeps. */
  public synchronized void powerCut(Predicate<Write> survives) throws IOException {
    crashed = true;
    for (int i = unforced.size() - 1; i >= 0; i--) {
      Write w = unforced.get(i);
      if (!survives.test(w)) {
        try (DurableFile f = real.open(w.file)) {
          f.write(ByteBuffer.wrap(w.before), w.position);
        }
      }
    }
    unforced.clear();
  }

  private synchronized void checkAlive() throws IOException {
    if (crashed) {
      throw new IOException("simulated crash: the process is dead");
    }
  }

  /** Counts a whole-file step; true if this one is the power cut (the caller then does its part and dies). */
  private synchronized boolean stepFails() throws IOException {
    checkAlive();
    if (steps++ == failStep) {
      crashed = true;
      return true;
    }
    return false;
  }

  @Override
  public DurableFile open(Path file) throws IOException {
    checkAlive();
    return new FaultyFile(file, real.open(file));
  }

  @Override
  public byte[] readAll(Path file) throws IOException {
    checkAlive();
    return real.readAll(file);
  }

  @Override
  public void writeAndSync(Path file, byte[] data) throws IOException {
    dieIfTouching(file);
    if (stepFails()) {
      if (tearStep) {
        real.writeAndSync(file, java.util.Arrays.copyOf(data, data.length / 2));
      }
      throw new IOException("simulated power cut while writing " + file);
    }
    real.writeAndSync(file, data);
  }

  @Override
  public void rename(Path from, Path to) throws IOException {
    dieIfTouching(from, to);
    if (stepFails()) {
      throw new IOException("simulated power cut before renaming " + from);
    }
    real.rename(from, to);
  }

  @Override
  public void deleteIfExists(Path file) throws IOException {
    dieIfTouching(file);
    real.deleteIfExists(file);
  }

  @Override
  public DurableFile openReadOnly(Path file) throws IOException {
    checkAlive();
    return new FaultyFile(file, real.openReadOnly(file));
  }

  @Override
  public boolean exists(Path path) {
    return real.exists(path);
  }

  @Override
  public void createDirectories(Path dir) throws IOException {
    dieIfTouching(dir);
    real.createDirectories(dir);
  }

  @Override
  public List<Path> list(Path dir) throws IOException {
    checkAlive();
    return real.list(dir);
  }

  private Predicate<Path> dieAt;

  /**
   * The power goes at the first write, whole-file step, delete or directory creation on a path
   * {@code where} accepts, before it does anything: unforced writes are undone ({@link #powerCut})
   * and the process is dead. For "the power went while staging into slot b".
   */
  public synchronized FaultyFiles powerCutWhenTouching(Predicate<Path> where) {
    dieAt = where;
    return this;
  }

  private synchronized void dieIfTouching(Path... paths) throws IOException {
    checkAlive();
    for (Path p : paths) {
      if (dieAt != null && dieAt.test(p)) {
        dieAt = null;
        powerCut();
        throw new IOException("simulated power cut when touching " + p);
      }
    }
  }

  /** The free space {@link #usableSpace} reports from now on; negative: the real file system's. */
  public synchronized FaultyFiles usableSpace(long bytes) {
    usableSpace = bytes;
    return this;
  }

  @Override
  public synchronized long usableSpace(Path path) throws IOException {
    return usableSpace >= 0 ? usableSpace : real.usableSpace(path);
  }

  @Override
  public void syncDirectory(Path dir) throws IOException {
    dieIfTouching(dir);
    if (stepFails()) {
      throw new IOException("simulated power cut before syncing " + dir);
    }
    real.syncDirectory(dir);
  }

  @Override
  public Closeable lock(Path file) {
    return () -> { };
  }

  @Override
  public void checkUnlocked(Path file) {
    // one process: nothing else holds it
  }

  private final class FaultyFile implements DurableFile {
    private final Path path;
    private final DurableFile file;

    FaultyFile(Path path, DurableFile file) {
      this.path = path;
      this.file = file;
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      checkAlive();
      return file.read(dst, position);
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
      synchronized (FaultyFiles.this) {
        dieIfTouching(path);
        int n = writes++;
        if (n >= failWritesFrom) {
          throw new IOException(failMessage);
        }
        byte[] after = new byte[src.remaining()];
        src.get(after);
        if (n == tearWrite) {
          after = java.util.Arrays.copyOf(after, Math.min(tearKeep, after.length));
        }
        byte[] before = new byte[after.length];
        ByteBuffer old = ByteBuffer.wrap(before);
        long size = file.size();
        if (position < size) {
          old.limit((int) Math.min(before.length, size - position));
          file.readFully(old, position);
        }
        unforced.add(new Write(path, position, before, after));
        file.write(ByteBuffer.wrap(after), position);
        if (n == tearWrite) {
          crashed = true;
          throw new IOException("simulated power cut in the middle of a write");
        }
      }
    }

    @Override
    public void force() throws IOException {
      synchronized (FaultyFiles.this) {
        checkAlive();
        int n = forces++;
        if (n == crashBeforeForce) {
          crashed = true;
          throw new IOException("simulated crash before fsync");
        }
        file.force();
        unforced.removeIf(w -> w.file.equals(path));
        if (n == crashAfterForce) {
          crashed = true;
          throw new IOException("simulated crash after fsync");
        }
      }
    }

    @Override
    public long size() throws IOException {
      checkAlive();
      return file.size();
    }

    @Override
    public void truncate(long size) throws IOException {
      checkAlive();
      file.truncate(size);
    }

    @Override
    public void close() throws IOException {
      file.close();
    }
  }
}

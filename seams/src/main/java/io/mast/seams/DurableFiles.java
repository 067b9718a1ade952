package io.mast.seams;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * The file operations Mast's durable state is written with, as one seam for every module that
 * must survive a power cut: the ring store, the config store, the pulse meters' journals, and
 * next the OTA and agent state. {@link #real()} is the one for disks; tests substitute a layer
 * that fails, tears (writes only a prefix) or drops unforced writes at chosen points, as a power
 * cut or a full card does ({@code FaultyFiles} in this module's test jar).
 *
 * <p>Two ways to write, each with its commit protocol:
 * <ul>
 *   <li>in place, for preallocated files: {@link #open} a {@link DurableFile}, write at positions,
 *       {@link DurableFile#force()}; layouts that survive a torn write (slots with a CRC and a
 *       counter, as in {@link TwoSlotFile}) make this safe;
 *   <li>whole files: {@link AtomicFiles#replace}, a temp file written and forced, renamed over
 *       the target, then the directory forced.
 * </ul>
 */
public interface DurableFiles {
  /** Opens {@code file} for positional reads and writes, creating it empty if missing. */
  DurableFile open(Path file) throws IOException;

  /** Opens an existing {@code file} for reads only. */
  DurableFile openReadOnly(Path file) throws IOException;

  boolean exists(Path path);

  /**
   * Creates {@code dir} and its parents if missing, durably: each directory made is synced into
   * its parent, so a power cut after this returns cannot take the new directories (and what is
   * later synced into them) away. A directory's entry is only on the disk once its parent is
   * synced; a kill -9 never shows that, a power cut does.
   */
  void createDirectories(Path dir) throws IOException;

  /** The regular files directly in {@code dir}, sorted by name. */
  List<Path> list(Path dir) throws IOException;

  /** Reads a whole file, or null if it does not exist. */
  byte[] readAll(Path file) throws IOException;

  /** Creates or truncates {@code file}, writes {@code data} and forces data and size to the device. */
  void writeAndSync(Path file, byte[] data) throws IOException;

  /** Renames atomically, replacing {@code to}. */
  void rename(Path from, Path to) throws IOException;

  void deleteIfExists(Path file) throws IOException;

  /** Bytes this process may still write on the file system that holds {@code path} (or its nearest existing parent). */
  long usableSpace(Path path) throws IOException;

  /** Forces a directory's entries (new files, renames) to the device. */
  void syncDirectory(Path dir) throws IOException;

  /**
   * Takes an exclusive lock on the lock file {@code file} for this process and writes who holds it
   * into it, or fails with an {@link IOException} naming the directory and the holder when
   * another process has it. Closing the result releases it; so does the death of the process,
   * even by kill -9. The file is only a lock: never lock a file that holds data.
   */
  Closeable lock(Path file) throws IOException;

  /**
   * Fails at once, naming the directory and the holder, if another process holds the lock file
   * {@code file}; takes nothing. For callers that must not start anything else before they know
   * the state is theirs.
   */
  void checkUnlocked(Path file) throws IOException;

  /** One open file: positional reads and writes, and a data sync. */
  interface DurableFile extends Closeable {
    /** Reads into {@code dst} from {@code position}; returns the bytes read, -1 at the end. */
    int read(ByteBuffer dst, long position) throws IOException;

    /** Writes all of {@code src} at {@code position}. */
    void write(ByteBuffer src, long position) throws IOException;

    /**
     * Forces written data to the device (fdatasync): files written in place are preallocated and
     * never change size, so their metadata need not be forced, which saves a journal write.
     */
    void force() throws IOException;

    long size() throws IOException;

    /** Cuts the file to {@code size} bytes (and forces it), if it is longer. */
    void truncate(long size) throws IOException;

    /** Reads exactly {@code dst.remaining()} bytes at {@code position}, or fails at the end. */
    default void readFully(ByteBuffer dst, long position) throws IOException {
      long at = position;
      while (dst.hasRemaining()) {
        int n = read(dst, at);
        if (n < 0) {
          throw new EOFException("end of file at byte " + at + ", " + dst.remaining() + " bytes short");
        }
        at += n;
      }
    }
  }

  /** Files on the local file system, with real fsync of data and directories. */
  static DurableFiles real() {
    return RealDurableFiles.INSTANCE;
  }

  /**
   * {@code base} with at most {@code maxOpen} descriptors open at once, shared by every file
   * opened through it, and locks held in this process: for many poles in one JVM (see
   * {@code PooledFiles}). The caller locks the tree it uses through {@code base}.
   */
  static DurableFiles pooled(DurableFiles base, int maxOpen) {
    return new PooledFiles(base, maxOpen);
  }
}

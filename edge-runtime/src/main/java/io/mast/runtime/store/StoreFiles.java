package io.mast.runtime.store;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * The file operations the ring store needs, as a seam. {@link #real()} is the one for disks;
 * tests substitute a layer that fails, tears (writes only a prefix) or drops unsynced writes at
 * chosen points, as a power cut does.
 */
public interface StoreFiles {
  /** Opens {@code file} for positional reads and writes, creating it empty if missing. */
  StoreFile open(Path file) throws IOException;

  /** Opens an existing {@code file} for reads only. */
  StoreFile openReadOnly(Path file) throws IOException;

  boolean exists(Path path);

  /** Creates {@code dir} and its parents if missing. */
  void createDirectories(Path dir) throws IOException;

  /** The regular files directly in {@code dir}. */
  List<Path> list(Path dir) throws IOException;

  /** Forces a directory's entries (new files) to the device. */
  void syncDirectory(Path dir) throws IOException;

  /**
   * Takes an exclusive lock on {@code file} for this process, or fails with an
   * {@link IOException} naming it when another process holds it. Closing the result releases it;
   * so does the death of the process, even by kill -9.
   */
  Closeable lock(Path file) throws IOException;

  /** One open file: positional reads and writes, and a data sync. */
  interface StoreFile extends Closeable {
    /** Reads into {@code dst} from {@code position}; returns the bytes read, -1 at the end. */
    int read(ByteBuffer dst, long position) throws IOException;

    /** Writes all of {@code src} at {@code position}. */
    void write(ByteBuffer src, long position) throws IOException;

    /**
     * Forces written data to the device (fdatasync): a store file never changes size after it
     * is preallocated, so its metadata need not be forced, which saves a journal write per sync.
     */
    void force() throws IOException;

    long size() throws IOException;

    /** Reads exactly {@code dst.remaining()} bytes at {@code position}, or fails at the end. */
    default void readFully(ByteBuffer dst, long position) throws IOException {
      long at = position;
      while (dst.hasRemaining()) {
        int n = read(dst, at);
        if (n < 0) {
          throw new java.io.EOFException("end of file at byte " + at + ", " + dst.remaining() + " bytes short");
        }
        at += n;
      }
    }
  }

  /** Files on the local file system, with real fsync of data and directories. */
  static StoreFiles real() {
    return RealStoreFiles.INSTANCE;
  }
}

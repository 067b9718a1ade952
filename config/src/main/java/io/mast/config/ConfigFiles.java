package io.mast.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The file operations the config store needs, as a seam: tests substitute a layer that fails or
 * tears writes at a chosen step, as a power cut does. {@link #real()} is the one for disks.
 */
public interface ConfigFiles {
  /** Reads a whole file, or null if it does not exist. */
  byte[] read(Path file) throws IOException;

  /** Creates or truncates {@code file}, writes {@code data} and forces it to the device. */
  void writeAndSync(Path file, byte[] data) throws IOException;

  /** Renames atomically, replacing {@code to}. */
  void rename(Path from, Path to) throws IOException;

  /** Forces a directory's entries (a rename) to the device. */
  void syncDirectory(Path dir) throws IOException;

  void deleteIfExists(Path file) throws IOException;

  /** Files on the local file system, with real fsync of data and of the directory. */
  static ConfigFiles real() {
    return new ConfigFiles() {
      @Override
      public byte[] read(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllBytes(file) : null;
      }

      @Override
      public void writeAndSync(Path file, byte[] data) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
          ByteBuffer buffer = ByteBuffer.wrap(data);
          while (buffer.hasRemaining()) {
            ch.write(buffer);
          }
          ch.force(true);
        }
      }

      @Override
      public void rename(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      }

      @Override
      public void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
          ch.force(true);
        }
      }

      @Override
      public void deleteIfExists(Path file) throws IOException {
        Files.deleteIfExists(file);
      }
    };
  }
}

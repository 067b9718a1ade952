package io.mast.devkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The kernel's count of bytes a process or thread caused to be written to storage
 * ({@code write_bytes} in {@code /proc/self/io}): pages dirtied in the page cache, each counted
 * again if dirtied again after writeback. That is what flash sees from us, before the file
 * system's own journal. -1 where the counters do not exist (not Linux).
 */
final class IoCounters {
  private IoCounters() {}

  /** Bytes written by the whole process. */
  static long processWriteBytes() {
    return writeBytes(Path.of("/proc/self/io"));
  }

  /** Bytes written by the calling thread alone. */
  static long threadWriteBytes() {
    return writeBytes(Path.of("/proc/thread-self/io"));
  }

  private static long writeBytes(Path file) {
    try {
      for (String line : Files.readAllLines(file)) {
        if (line.startsWith("write_bytes:")) {
          return Long.parseLong(line.substring("write_bytes:".length()).trim());
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }
}

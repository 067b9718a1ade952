package io.mast.config;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Real files that fail at a chosen step, as a power cut would: step n (counting every write,
 * rename and directory sync from 0) either throws before doing anything, or, for a write,
 * leaves only the first half of the bytes on disk and then throws (a torn write).
 */
final class FaultyFiles implements ConfigFiles {
  private final ConfigFiles real = ConfigFiles.real();
  private final int failAt;
  private final boolean tear;
  private int step;

  FaultyFiles(int failAt, boolean tear) {
    this.failAt = failAt;
    this.tear = tear;
  }

  int steps() {
    return step;
  }

  private boolean failsNow() {
    return step++ == failAt;
  }

  @Override
  public byte[] read(Path file) throws IOException {
    return real.read(file);
  }

  @Override
  public void writeAndSync(Path file, byte[] data) throws IOException {
    if (failsNow()) {
      if (tear) {
        real.writeAndSync(file, Arrays.copyOf(data, data.length / 2));
      }
      throw new IOException("power cut while writing " + file);
    }
    real.writeAndSync(file, data);
  }

  @Override
  public void rename(Path from, Path to) throws IOException {
    if (failsNow()) {
      throw new IOException("power cut before renaming " + from);
    }
    real.rename(from, to);
  }

  @Override
  public void syncDirectory(Path dir) throws IOException {
    if (failsNow()) {
      throw new IOException("power cut before syncing " + dir);
    }
    real.syncDirectory(dir);
  }

  @Override
  public void deleteIfExists(Path file) throws IOException {
    real.deleteIfExists(file);
  }
}

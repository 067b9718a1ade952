package io.mast.seams;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Whole files replaced so that a reader, after a power cut at any instant, finds the old content
 * or the new, never a mix: the commit protocol of the config store and of every file Mast creates
 * whole.
 *
 * <pre>
 * 1. write TARGET.tmp and force it (data and size)
 * 2. rename TARGET.tmp over TARGET         (the commit point: atomic on POSIX file systems)
 * 3. force the directory                   (the rename itself survives the power cut)
 * </pre>
 *
 * A leftover {@code .tmp} after a crash between 1 and 2 is garbage: {@link #removeLeftovers}
 * deletes it at open.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** The temp file {@link #replace} writes before renaming it over {@code target}. */
  public static Path temp(Path target) {
    return target.resolveSibling(target.getFileName() + ".tmp");
  }

  /** Replaces {@code target} with {@code data} by the protocol above; the parent directory must exist. */
  public static void replace(DurableFiles files, Path target, byte[] data) throws IOException {
    Path tmp = temp(target);
    files.writeAndSync(tmp, data);
    files.rename(tmp, target);
    files.syncDirectory(target.toAbsolutePath().getParent());
  }

  /** Deletes the temp files a crash may have left beside {@code targets}. */
  public static void removeLeftovers(DurableFiles files, Path... targets) throws IOException {
    for (Path t : targets) {
      files.deleteIfExists(temp(t));
    }
  }
}

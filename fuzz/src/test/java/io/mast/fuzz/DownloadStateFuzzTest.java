package io.mast.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.ota.Download;
import io.mast.ota.Packer;
import io.mast.seams.DurableFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * An OTA download reopened over any bytes its bitmap ({@code chunks.state}) and data file
 * ({@code chunks.data}) hold: it opens, every chunk it says it has is the manifest's (it stages
 * once the rest is taken), and no chunk it lacks is claimed. Nothing may be thrown.
 */
class DownloadStateFuzzTest {
  private static Packer.Packed packed;

  private static synchronized Packer.Packed release() throws IOException {
    if (packed == null) {
      Path dist = FlashFiles.fresh("release");
      Random r = new Random(5);
      byte[] b = new byte[40_000];
      r.nextBytes(b);
      Files.write(dist.resolve("a.jar"), b);
      Files.write(dist.resolve("b.txt"), "a small file".getBytes());
      packed = Packer.pack(dist, new Packer.Release("1.0.0", 1, "sim", 17, 4_000_000_000L, ""));
    }
    return packed;
  }

  @FuzzTest
  void reopen(FuzzedDataProvider data) throws Exception {
    Packer.Packed p = release();
    Path dir = FlashFiles.fresh("download");
    boolean goodData = data.consumeBoolean();
    byte[] state = data.consumeBytes(data.consumeInt(0, 512));
    Files.write(dir.resolve("chunks.state"), state);
    if (goodData) {
      // the right bytes in the data file: only the bitmap is garbled
      try (var out = Files.newOutputStream(dir.resolve("chunks.data"))) {
        for (byte[] c : p.chunks()) {
          out.write(c);
        }
      }
    } else {
      Files.write(dir.resolve("chunks.data"), data.consumeRemainingAsBytes());
    }
    try (Download d = Download.open(dir, p.manifest(), DurableFiles.real())) {
      for (int i = 0; i < p.chunks().size(); i++) {
        if (!d.has(i) && d.accept(i, p.chunks().get(i)) != null) {
          throw new IllegalStateException("the manifest's own chunk " + i + " was refused");
        }
      }
      d.assemble(FlashFiles.fresh("slot")); // every claim held: the staged files match their hashes
    }
  }
}

package io.mast.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.ota.BundleFile;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.OtaManifestMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An OTA bundle file ({@code mast ota pack}'s output, read by the publisher and the chunk server)
 * over any bytes: opened and every chunk read, or an {@link IOException} naming what is wrong.
 * The manifest is taken from the envelope unverified, as the tools do.
 */
class BundleFileFuzzTest {
  @FuzzTest
  void open(byte[] bytes) throws Exception {
    Path file = FlashFiles.fresh("bundle").resolve("release.mast");
    Files.write(file, bytes);
    Expected.only(IOException.class, () -> {
      try (BundleFile b = BundleFile.open(file, envelope -> {
        try {
          return OtaManifestMessage.parse(io.mast.protocol.SignedControl.payloadUnverified(envelope));
        } catch (FrameFormatException e) {
          throw new IOException(e.getMessage(), e);
        }
      })) {
        for (int i = 0; i < b.manifest().chunks().size(); i++) {
          b.chunk(i);
        }
      }
    });
  }
}

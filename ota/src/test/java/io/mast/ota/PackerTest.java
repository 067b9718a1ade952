package io.mast.ota;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.protocol.FrameFormatException;
import io.mast.protocol.OtaManifestMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackerTest {
  @TempDir
  Path dir;

  private static final Packer.Release V1 = new Packer.Release("1.0.0", 1, "pi", 17, 2_000_000_000L, "");

  /** A jar-like zip of {@code classes} entries with fixed times (as a reproducible build makes); entry {@code changed} differs. */
  static byte[] jar(int classes, long seed, int changed) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(out)) {
      for (int i = 0; i < classes; i++) {
        ZipEntry e = new ZipEntry("io/mast/C" + i + ".class");
        e.setTime(1_767_225_600_000L);
        zip.putNextEntry(e);
        Random r = new Random(seed * 1000 + i + (i == changed ? 777_777 : 0));
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < 600; k++) {
          b.append("op").append(r.nextInt(200)).append(' ');
        }
        zip.write(b.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        zip.closeEntry();
      }
    }
    return out.toByteArray();
  }

  private Path dist(String name, int changed) throws IOException {
    Path d = dir.resolve(name);
    Files.createDirectories(d.resolve("lib"));
    for (int j = 0; j < 8; j++) {
      Files.write(d.resolve("lib").resolve("part" + j + ".jar"), jar(400, j, j == 3 ? changed : -1));
    }
    Files.writeString(d.resolve("run.jvmopts"), "-Xmx32m\n");
    return d;
  }

  @Test
  void aPatchThatChangesOneClassFetchesAFewPercentOfTheBundle() throws Exception {
    Packer.Packed v1 = Packer.pack(dist("v1", -1), V1);
    Packer.Packed v2 = Packer.pack(dist("v2", 123), new Packer.Release("1.0.1", 2, "pi", 17, 2_000_000_000L, ""));
    long full = v2.manifest().totalSize();
    long fetch = Packer.bytesToFetch(v2.manifest(), v1.manifest());
    assertTrue(full > 1_000_000, "a bundle of some size: " + full);
    assertTrue(fetch > 0 && fetch < full * 0.05, "a one-class patch fetches " + fetch + " of " + full + " bytes");
    assertEquals(0, Packer.bytesToFetch(v1.manifest(), v1.manifest()));
    assertEquals(full, Packer.bytesToFetch(v2.manifest(), null));
  }

  @Test
  void theManifestRoundTripsAndTheBundleFileServesEachChunkOrSaysItIsTruncated() throws Exception {
    Packer.Packed p = Packer.pack(dist("v1", -1), V1);
    OtaManifestMessage m = OtaManifestMessage.parse(p.manifest().toBytes());
    assertEquals(p.manifest().files().size(), m.files().size());
    assertEquals("lib/part0.jar", m.files().get(0).path());
    assertEquals("run.jvmopts", m.files().get(m.files().size() - 1).path());
    byte[] envelope = {1, 2, 3};
    Path file = dir.resolve("b.bundle");
    BundleFile.write(file, envelope, p.chunks());
    try (BundleFile b = BundleFile.open(file, e -> m)) {
      for (int i = 0; i < m.chunks().size(); i++) {
        assertArrayEquals(Packer.sha256().digest(b.chunk(i)), m.chunks().get(i).sha256(), "chunk " + i);
      }
    }
    byte[] all = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(all, all.length - 1));
    IOException truncated = assertThrows(IOException.class, () -> BundleFile.open(file, e -> m));
    assertTrue(truncated.getMessage().contains("(truncated)"), truncated.getMessage());
    Files.write(file, java.util.Arrays.copyOf(all, all.length + 1));
    assertTrue(assertThrows(IOException.class, () -> BundleFile.open(file, e -> m)).getMessage().contains("(oversized)"));
  }

  @Test
  void aManifestThatEscapesItsSlotOrLiesAboutSizesIsRefused() throws Exception {
    Packer.Packed p = Packer.pack(dist("v1", -1), V1);
    OtaManifestMessage m = p.manifest();
    OtaManifestMessage.File f = m.files().get(0);
    for (String path : new String[] {"../etc/passwd", "/etc/passwd", "lib/../../x", "a//b", ""}) {
      OtaManifestMessage bad = new OtaManifestMessage(m.version(), 1, "pi", 17, 0, m.bundleSha256(), m.chunks(),
          java.util.List.of(new OtaManifestMessage.File(path, 0644, f.size(), f.sha256(), f.chunks())), "");
      FrameFormatException e = assertThrows(FrameFormatException.class, () -> OtaManifestMessage.parse(bad.toBytes()), path);
      assertTrue(e.getMessage().contains("file '" + path + "'"), e.getMessage());
    }
    OtaManifestMessage lying = new OtaManifestMessage(m.version(), 1, "pi", 17, 0, m.bundleSha256(), m.chunks(),
        java.util.List.of(new OtaManifestMessage.File("x", 0644, f.size() + 1, f.sha256(), f.chunks())), "");
    assertTrue(assertThrows(FrameFormatException.class, () -> OtaManifestMessage.parse(lying.toBytes())).getMessage()
        .contains("do not hold"));
    Path link = dir.resolve("links");
    Files.createDirectories(link);
    Files.createSymbolicLink(link.resolve("l"), Path.of("/etc/passwd"));
    assertTrue(assertThrows(IOException.class, () -> Packer.pack(link, V1)).getMessage().contains("not a regular file"));
  }
}

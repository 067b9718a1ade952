package io.mast.ota;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.protocol.FrameFormatException;
import io.mast.protocol.OtaManifestMessage;
import io.mast.protocol.OtaPatchMessage;
import io.mast.seams.DurableFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PatchesTest {
  @TempDir
  Path dir;

  /** A release: four jars (the third with one entry changed when {@code changed} >= 0), a launcher, and {@code extra} files. */
  private Path dist(String name, int changed, String... extra) throws IOException {
    Path d = dir.resolve(name);
    Files.createDirectories(d.resolve("lib"));
    for (int j = 0; j < 4; j++) {
      Files.write(d.resolve("lib").resolve("part" + j + ".jar"), PackerTest.jar(300, j, j == 2 ? changed : -1));
    }
    Files.writeString(d.resolve("launcher"), "#!/bin/sh\nexec java -jar mast.jar \"$@\"\n");
    Files.setPosixFilePermissions(d.resolve("launcher"), PosixFilePermissions.fromString("rwxr-xr-x"));
    for (String e : extra) {
      Files.writeString(d.resolve(e), "only in " + name + ": " + e + "\n");
    }
    return d;
  }

  private static Packer.Packed pack(Path d, String version) throws IOException {
    return Packer.pack(d, new Packer.Release(version, 7, "pi", 17, 2_000_000_000L, ""));
  }

  private static void copy(Path from, Path to) throws IOException {
    try (var walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  @Test
  void aPoleOnTheBaseExpandsThePatchToTheFullManifestAndInstallsTheNextReleaseFromItsChangedChunksAlone() throws Exception {
    Packer.Packed base = pack(dist("v1", -1, "NOTES-1"), "1");
    Path nextDir = dist("v2", 42, "NOTES-2");
    Packer.Packed next = pack(nextDir, "2");
    OtaPatchMessage patch = OtaPatchMessage.parse(Patches.make(base.manifest(), next.manifest()).toBytes());
    assertEquals(List.of("NOTES-1"), patch.removed());
    assertEquals(List.of("NOTES-2", "lib/part2.jar"), patch.files().stream().map(OtaManifestMessage.File::path).toList());
    long changed = Packer.bytesToFetch(next.manifest(), base.manifest());
    assertEquals(changed, patch.newBytes(), "the new chunks are exactly those the base lacks");
    assertTrue(patch.toBytes().length * 4 < next.manifest().toBytes().length,
        patch.toBytes().length + " bytes of patch against a full manifest of " + next.manifest().toBytes().length);

    // the running slot: the base as installed, plus the class-data archive the pole made itself
    Path slot = dir.resolve("slots/a");
    copy(dir.resolve("v1"), slot);
    Files.write(slot.resolve("mast.jsa"), new byte[] {1, 2, 3});
    Files.writeString(slot.resolve("mast.jsa.log"), "archived\n");
    OtaManifestMessage full = Patches.expand(patch, slot);
    assertArrayEquals(next.manifest().toBytes(), full.toBytes(), "the expansion is the full manifest, byte for byte");

    try (Download d = Download.open(dir.resolve("dl"), full, DurableFiles.real())) {
      d.seedFrom(slot);
      assertEquals(changed, d.missingBytes());
      List<Integer> wanted = d.next(Integer.MAX_VALUE, java.util.Set.of());
      for (int i : wanted) {
        assertEquals(null, d.accept(i, next.chunks().get(i)));
      }
      Path staged = dir.resolve("slots/b");
      d.assemble(staged);
      for (OtaManifestMessage.File f : next.manifest().files()) {
        assertArrayEquals(Files.readAllBytes(nextDir.resolve(f.path())), Files.readAllBytes(staged.resolve(f.path())), f.path());
      }
    }
  }

  @Test
  void aSlotThatIsNotTheBaseByOneByteOrOneFileIsToldApartAndAsksForTheFullManifest() throws Exception {
    Packer.Packed base = pack(dist("v1", -1), "1");
    OtaPatchMessage patch = Patches.make(base.manifest(), pack(dist("v2", 42), "2").manifest());
    Path other = dir.resolve("other");
    copy(dir.resolve("v1"), other);
    Patches.expand(patch, other); // the base itself expands
    byte[] jar = Files.readAllBytes(other.resolve("lib/part1.jar"));
    jar[jar.length / 2] ^= 1;
    Files.write(other.resolve("lib/part1.jar"), jar);
    Patches.NotOnBaseException flipped = assertThrows(Patches.NotOnBaseException.class, () -> Patches.expand(patch, other));
    assertTrue(flipped.getMessage().contains("not the patch's base"), flipped.getMessage());
    jar[jar.length / 2] ^= 1;
    Files.write(other.resolve("lib/part1.jar"), jar);
    Files.writeString(other.resolve("left-behind.txt"), "a file the base does not have\n");
    assertThrows(Patches.NotOnBaseException.class, () -> Patches.expand(patch, other));
    assertThrows(Patches.NotOnBaseException.class, () -> Patches.expand(patch, dir.resolve("no-such-slot")));
  }

  @Test
  void aPatchWhosePlanReachesPastItsBaseOrDropsAKeptFilesChunkIsRefused() throws Exception {
    Packer.Packed base = pack(dist("v1", -1), "1");
    OtaPatchMessage good = Patches.make(base.manifest(), pack(dist("v2", 42), "2").manifest());
    List<OtaPatchMessage.Run> past = new ArrayList<>(good.plan());
    OtaPatchMessage.Run last = past.remove(past.size() - 1);
    past.add(new OtaPatchMessage.Run(last.baseStart() + base.manifest().chunks().size(), last.baseCount(), last.newCount()));
    OtaPatchMessage reaching = new OtaPatchMessage(good.version(), good.securityCounter(), good.target(), good.minJava(), good.expiresAt(),
        good.bundleSha256(), good.totalSize(), good.baseId(), past, good.newChunks(), good.files(), good.removed(), good.url());
    FrameFormatException e = assertThrows(FrameFormatException.class, () -> Patches.expand(reaching, dir.resolve("v1")));
    assertTrue(e.getMessage().contains("but its base has"), e.getMessage());

    // the first run's base chunks left out: the files kept from the base lose a chunk
    List<OtaPatchMessage.Run> shorter = new ArrayList<>(good.plan());
    OtaPatchMessage.Run first = shorter.remove(0);
    shorter.add(0, new OtaPatchMessage.Run(first.baseStart(), 0, first.newCount()));
    OtaPatchMessage dropping = new OtaPatchMessage(good.version(), good.securityCounter(), good.target(), good.minJava(), good.expiresAt(),
        good.bundleSha256(), good.totalSize(), good.baseId(), shorter, good.newChunks(), List.of(), good.removed(), good.url());
    e = assertThrows(FrameFormatException.class, () -> Patches.expand(dropping, dir.resolve("v1")));
    assertTrue(e.getMessage().contains("drops a chunk"), e.getMessage());
  }
}

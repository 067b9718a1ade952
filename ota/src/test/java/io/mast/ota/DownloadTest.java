package io.mast.ota;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.protocol.OtaManifestMessage;
import io.mast.seams.DurableFiles;
import io.mast.seams.FaultyFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DownloadTest {
  @TempDir
  Path dir;

  private Path dist(String name, int changed) throws IOException {
    Path d = dir.resolve(name);
    Files.createDirectories(d.resolve("lib"));
    for (int j = 0; j < 4; j++) {
      Files.write(d.resolve("lib").resolve("part" + j + ".jar"), PackerTest.jar(300, j, j == 2 ? changed : -1));
    }
    Files.writeString(d.resolve("launcher"), "#!/bin/sh\nexec java -jar mast.jar \"$@\"\n");
    Files.setPosixFilePermissions(d.resolve("launcher"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    return d;
  }

  private static Packer.Packed pack(Path d, String version) throws IOException {
    return Packer.pack(d, new Packer.Release(version, 1, "pi", 17, 2_000_000_000L, ""));
  }

  @Test
  void chunksTakenBeforeAPowerCutAreKeptUpToTheLastCheckpointAndTheRestIsFetchedAgain() throws Exception {
    Packer.Packed p = pack(dist("v1", -1), "1");
    OtaManifestMessage m = p.manifest();
    FaultyFiles faulty = new FaultyFiles();
    Download d = Download.open(dir.resolve("dl"), m, faulty);
    int taken = Download.CHECKPOINT_CHUNKS + 8;
    for (int i = 0; i < taken; i++) {
      assertNull(d.accept(i, p.chunks().get(i)));
    }
    faulty.powerCut();
    try (Download again = Download.open(dir.resolve("dl"), m, DurableFiles.real())) {
      for (int i = 0; i < taken; i++) {
        assertEquals(i < Download.CHECKPOINT_CHUNKS, again.has(i), "chunk " + i);
      }
      assertEquals(m.chunks().size() - Download.CHECKPOINT_CHUNKS, again.missing());
      assertEquals(java.util.List.of(Download.CHECKPOINT_CHUNKS, Download.CHECKPOINT_CHUNKS + 2),
          again.next(2, Set.of(Download.CHECKPOINT_CHUNKS + 1)), "the lowest missing, none in flight");
      for (int i : again.next(Integer.MAX_VALUE, Set.of())) {
        assertNull(again.accept(i, p.chunks().get(i)));
      }
      Path slot = dir.resolve("slot-b");
      again.assemble(slot);
      for (OtaManifestMessage.File f : m.files()) {
        assertArrayEquals(Files.readAllBytes(dir.resolve("v1").resolve(f.path())), Files.readAllBytes(slot.resolve(f.path())), f.path());
      }
      assertTrue(Files.isExecutable(slot.resolve("launcher")), "the mode came along");
    }
  }

  @Test
  void aChunkTheBitmapClaimsButTheDataFileLacksOrGarblesIsFetchedAgain() throws Exception {
    Packer.Packed p = pack(dist("v1", -1), "1");
    Path d = dir.resolve("dl");
    try (Download dl = Download.open(d, p.manifest(), DurableFiles.real())) {
      for (int i = 0; i < p.chunks().size(); i++) {
        dl.accept(i, p.chunks().get(i));
      }
      dl.checkpoint();
      org.junit.jupiter.api.Assertions.assertEquals(0, dl.droppedAtOpen());
    }
    // bit rot in the first chunk, and the data file cut short inside the last (a torn or lost file)
    int last = p.chunks().size() - 1;
    try (java.nio.channels.FileChannel f = java.nio.channels.FileChannel.open(d.resolve("chunks.data"),
        java.nio.file.StandardOpenOption.WRITE)) {
      f.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) ~p.chunks().get(0)[0]}), 0);
      f.truncate(f.size() - 1);
    }
    try (Download dl = Download.open(d, p.manifest(), DurableFiles.real())) {
      org.junit.jupiter.api.Assertions.assertEquals(2, dl.droppedAtOpen());
      org.junit.jupiter.api.Assertions.assertFalse(dl.has(0));
      org.junit.jupiter.api.Assertions.assertFalse(dl.has(last));
      org.junit.jupiter.api.Assertions.assertEquals(2, dl.missing(), "the two are fetched again, the rest kept");
      dl.accept(0, p.chunks().get(0));
      dl.accept(last, p.chunks().get(last));
      dl.assemble(dir.resolve("slot"));
    }
  }

  @Test
  void aBadChunkAChunkOfAnotherBundleAndAnIndexOutOfRangeAreRefusedAndCounted() throws Exception {
    Packer.Packed p = pack(dist("v1", -1), "1");
    Packer.Packed other = pack(dist("v2", 7), "2");
    try (Download d = Download.open(dir.resolve("dl"), p.manifest(), DurableFiles.real())) {
      byte[] flipped = p.chunks().get(0).clone();
      flipped[10] ^= 1;
      assertTrue(d.accept(0, flipped).contains("does not match the signed manifest"));
      int foreign = other.chunks().size() - 1; // a chunk only the other bundle has, offered under one of ours
      assertTrue(d.accept(0, other.chunks().get(foreign)) != null);
      assertTrue(d.accept(p.manifest().chunks().size(), p.chunks().get(0)).contains("is not in this bundle"));
      assertEquals(3, d.refused());
      assertTrue(!d.has(0));
      assertNull(d.accept(0, p.chunks().get(0)), "the good one, asked again, is taken");
    }
  }

  @Test
  void aPoleOnTheBaseFetchesOnlyWhatChangedAndAStateOfAnotherBundleStartsAgain() throws Exception {
    Path v1 = dist("v1", -1);
    Packer.Packed p2 = pack(dist("v2", 42), "2");
    try (Download d = Download.open(dir.resolve("dl"), p2.manifest(), DurableFiles.real())) {
      int seeded = d.seedFrom(v1);
      assertTrue(seeded > 0);
      assertTrue(d.missingBytes() < p2.manifest().totalSize() * 0.05, d.missingBytes() + " of " + p2.manifest().totalSize());
    }
    Packer.Packed p1 = pack(v1, "1");
    try (Download d = Download.open(dir.resolve("dl"), p1.manifest(), DurableFiles.real())) {
      assertEquals(p1.manifest().chunks().size(), d.missing(), "another bundle's bitmap is not this one's");
    }
  }

  @Test
  void aStagedFileThatDoesNotMatchItsHashStopsTheStaging() throws Exception {
    Packer.Packed p = pack(dist("v1", -1), "1");
    try (Download d = Download.open(dir.resolve("dl"), p.manifest(), DurableFiles.real())) {
      for (int i = 0; i < p.chunks().size(); i++) {
        d.accept(i, p.chunks().get(i));
      }
      d.checkpoint();
      // bit rot in the download file after the chunks were checked
      try (var f = java.nio.channels.FileChannel.open(dir.resolve("dl/chunks.data"), java.nio.file.StandardOpenOption.WRITE)) {
        f.write(java.nio.ByteBuffer.wrap(new byte[] {0x55}), 100);
      }
      IOException e = assertThrows(IOException.class, () -> d.assemble(dir.resolve("slot")));
      assertTrue(e.getMessage().contains("does not match its SHA-256 after writing"), e.getMessage());
    }
  }
}

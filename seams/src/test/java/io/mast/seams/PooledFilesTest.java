package io.mast.seams;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PooledFilesTest {
  @TempDir Path dir;

  private static long descriptorsOn(Path dir) throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.filter(fd -> {
        try {
          return Files.readSymbolicLink(fd).startsWith(dir);
        } catch (IOException gone) {
          return false;
        }
      }).count();
    }
  }

  @Test
  void twentyOpenFilesHoldAtMostThreeDescriptorsAndEveryWriteReadsBack() throws IOException {
    PooledFiles files = new PooledFiles(DurableFiles.real(), 3);
    List<DurableFiles.DurableFile> open = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      open.add(files.open(dir.resolve("f" + i)));
    }
    assertTrue(descriptorsOn(dir) <= 3, descriptorsOn(dir) + " descriptors for 20 open files");
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < 20; i++) {
        open.get(i).write(ByteBuffer.wrap(new byte[] {(byte) i, (byte) round}), round * 2L);
        open.get(i).force();
      }
    }
    assertEquals(3, files.openNow());
    assertTrue(descriptorsOn(dir) <= 3, descriptorsOn(dir) + " descriptors");
    for (int i = 0; i < 20; i++) {
      ByteBuffer b = ByteBuffer.allocate(6);
      open.get(i).readFully(b, 0);
      assertArrayEquals(new byte[] {(byte) i, 0, (byte) i, 1, (byte) i, 2}, b.array(), "file " + i);
      assertEquals(6, open.get(i).size());
      assertArrayEquals(b.array(), Files.readAllBytes(dir.resolve("f" + i)), "on disk, file " + i);
    }
    for (DurableFiles.DurableFile f : open) {
      f.close();
    }
    assertEquals(0, files.openNow());
    assertEquals(0, descriptorsOn(dir));
    assertThrows(IOException.class, () -> open.get(0).size(), "a closed file stays closed");
  }

  @Test
  void readOnlyFilesFailAtOpenWhenMissingAsTheBaseLayerDoes() {
    PooledFiles files = new PooledFiles(DurableFiles.real(), 2);
    assertThrows(java.nio.file.NoSuchFileException.class, () -> files.openReadOnly(dir.resolve("none")));
  }

  @Test
  void threadsWritingTheirOwnFilesThroughAPoolOfTwoLoseNothing() throws Exception {
    PooledFiles files = new PooledFiles(DurableFiles.real(), 2);
    ExecutorService pool = Executors.newFixedThreadPool(6);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < 6; t++) {
      int n = t;
      done.add(pool.submit(() -> {
        DurableFiles.DurableFile f = files.open(dir.resolve("t" + n));
        for (int i = 0; i < 500; i++) {
          f.write(ByteBuffer.allocate(4).putInt(0, i * 10 + n), i * 4L);
        }
        f.force();
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();
    assertTrue(files.openNow() <= 2, files.openNow() + " open");
    for (int t = 0; t < 6; t++) {
      ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(dir.resolve("t" + t)));
      assertEquals(2000, b.capacity());
      for (int i = 0; i < 500; i++) {
        assertEquals(i * 10 + t, b.getInt(i * 4), "file " + t + " word " + i);
      }
    }
  }

  @Test
  void aLockIsHeldInThisProcessWithoutADescriptorAndRespectsAnotherProcesssLock() throws IOException {
    PooledFiles files = new PooledFiles(DurableFiles.real(), 2);
    Path lock = dir.resolve("store/lock");
    Files.createDirectories(lock.getParent());
    Closeable held = files.lock(lock);
    assertEquals(0, descriptorsOn(dir));
    IOException twice = assertThrows(IOException.class, () -> files.lock(lock));
    assertTrue(twice.getMessage().contains("in use by another pole of this process"), twice.getMessage());
    assertThrows(IOException.class, () -> files.checkUnlocked(lock));
    held.close();
    files.checkUnlocked(lock);
    // a lock of the base layer (another process's, as far as the pool can tell) is refused
    Files.createDirectories(dir.resolve("other"));
    try (Closeable real = DurableFiles.real().lock(dir.resolve("other/lock"))) {
      assertThrows(IOException.class, () -> files.lock(dir.resolve("other/lock")));
    }
  }
}

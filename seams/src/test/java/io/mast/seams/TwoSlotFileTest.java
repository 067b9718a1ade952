package io.mast.seams;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TwoSlotFileTest {
  private static final int MAGIC = 0x54455354;
  private static final int SLOT = 64;

  @TempDir
  Path dir;

  private static byte[] text(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void theNewestWriteWinsAcrossReopenAndANewFileReadsEmpty() throws IOException {
    Path path = dir.resolve("state");
    try (TwoSlotFile f = TwoSlotFile.open(DurableFiles.real(), path, MAGIC, SLOT)) {
      assertTrue(f.opened().empty());
      assertTrue(!f.opened().lost());
      f.write(3, text("first"));
      f.write(3, text("second"));
      f.write(4, text("third"));
    }
    TwoSlotFile.Read read = TwoSlotFile.readOnly(DurableFiles.real(), path, MAGIC, SLOT);
    assertArrayEquals(text("third"), read.payload());
    assertEquals(4, read.version());
    assertEquals(3, read.counter());
    assertTrue(TwoSlotFile.readOnly(DurableFiles.real(), dir.resolve("none"), MAGIC, SLOT).empty());
  }

  @Test
  void aWriteTornAtAnyByteLeavesThePreviousStateOrTheNewOne() throws IOException {
    for (int keep = 0; keep <= SLOT; keep++) {
      Path path = dir.resolve("torn-" + keep);
      try (TwoSlotFile f = TwoSlotFile.open(DurableFiles.real(), path, MAGIC, SLOT)) {
        f.write(1, text("old state"));
      }
      FaultyFiles faulty = new FaultyFiles();
      TwoSlotFile f = TwoSlotFile.open(faulty, path, MAGIC, SLOT);
      faulty.tearWrite(0, keep);
      assertThrows(IOException.class, () -> f.write(1, text("new state!")));
      f.close();
      byte[] after = TwoSlotFile.readOnly(DurableFiles.real(), path, MAGIC, SLOT).payload();
      // header 16 + payload 10 + CRC 4: whole once 30 bytes are on flash
      assertArrayEquals(text(keep >= 30 ? "new state!" : "old state"), after, "torn after " + keep + " bytes");
    }
  }

  @Test
  void aWriteLostBeforeItsForceLeavesThePreviousState() throws IOException {
    Path path = dir.resolve("state");
    try (TwoSlotFile f = TwoSlotFile.open(DurableFiles.real(), path, MAGIC, SLOT)) {
      f.write(1, text("kept"));
    }
    FaultyFiles faulty = new FaultyFiles();
    TwoSlotFile f = TwoSlotFile.open(faulty, path, MAGIC, SLOT);
    faulty.crashBeforeForce(0);
    assertThrows(IOException.class, () -> f.write(1, text("lost")));
    faulty.powerCut();
    f.close();
    assertArrayEquals(text("kept"), TwoSlotFile.readOnly(DurableFiles.real(), path, MAGIC, SLOT).payload());
  }

  @Test
  void bothSlotsDamagedIsALostStateAndAnotherOwnersFileIsNotRead() throws IOException {
    Path path = dir.resolve("state");
    try (TwoSlotFile f = TwoSlotFile.open(DurableFiles.real(), path, MAGIC, SLOT)) {
      f.write(1, text("a"));
      f.write(1, text("b"));
    }
    TwoSlotFile.Read other = TwoSlotFile.readOnly(DurableFiles.real(), path, 0x4F544852, SLOT);
    assertTrue(other.empty() && other.lost(), "another magic: nothing of it is taken");
    try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw")) {
      for (int at : new int[] {17, SLOT + 17}) {
        raf.seek(at);
        int b = raf.read();
        raf.seek(at);
        raf.write(b ^ 0x01);
      }
    }
    TwoSlotFile.Read read = TwoSlotFile.readOnly(DurableFiles.real(), path, MAGIC, SLOT);
    assertTrue(read.empty() && read.lost());
  }

  @Test
  void aPayloadLargerThanTheSlotIsRefusedBeforeAnythingIsWritten() throws IOException {
    try (TwoSlotFile f = TwoSlotFile.open(DurableFiles.real(), dir.resolve("state"), MAGIC, SLOT)) {
      assertEquals(SLOT - 20, f.capacity());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.write(1, new byte[SLOT]));
      assertEquals("state of 64 bytes exceeds the slot's 44", e.getMessage());
    }
  }
}

package io.mast.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.protocol.Reading;
import io.mast.store.RingStore;
import io.mast.store.StoredRecord;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;

/**
 * The ring store opened over damaged files: a real store (40 records written, 10 acknowledged)
 * with any bytes written over one of its files at any offset, as bit rot or a torn write leaves
 * it. It opens, every record it returns is one that was written (its readings as written), and it
 * takes a new record. Nothing may be thrown.
 */
class RingStoreRecoveryFuzzTest {
  private static Path template;

  /** The store as written, made once: each input starts from a copy. */
  private static synchronized Path template() throws Exception {
    if (template == null) {
      Path dir = FlashFiles.fresh("store-template");
      try (RingStore s = RingStore.builder(dir).capacityBytes(64 * 1024).open()) {
        for (int i = 1; i <= 40; i++) {
          s.append(List.of(new Reading(0, 1000 + i, 3L * i), new Reading(1, 1000 + i, -i)));
        }
        s.sync();
        s.ack(10);
        s.sync();
      }
      template = dir;
    }
    return template;
  }

  @FuzzTest
  void reopen(FuzzedDataProvider data) throws Exception {
    Path dir = FlashFiles.fresh("store");
    List<Path> files;
    try (var list = Files.list(template())) {
      files = list.filter(Files::isRegularFile).sorted(Comparator.naturalOrder()).toList();
    }
    for (Path f : files) {
      Files.copy(f, dir.resolve(f.getFileName().toString()));
    }
    files = files.stream().map(f -> dir.resolve(f.getFileName().toString())).toList();
    Path victim = files.get(data.consumeInt(0, files.size() - 1));
    long offset = data.consumeLong(0, Math.max(0, Files.size(victim) + 16));
    byte[] bytes = data.consumeRemainingAsBytes();
    try (FileChannel ch = FileChannel.open(victim, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(bytes), offset);
    }
    try (RingStore s = RingStore.builder(dir).capacityBytes(64 * 1024).open()) {
      for (StoredRecord r : s.read(0, 1_000)) {
        for (Reading x : r.readings()) {
          long i = x.time() - 1000;
          boolean written = i >= 1 && i <= 40 && (x.channel() == 0 && x.mantissa() == 3L * i || x.channel() == 1 && x.mantissa() == -i);
          if (!written) {
            throw new IllegalStateException("record " + r.seq() + " returns " + x + ", never written");
          }
        }
      }
      s.append(List.of(new Reading(0, 2000, 1)));
      s.sync();
    }
  }
}

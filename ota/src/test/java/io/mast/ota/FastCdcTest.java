package io.mast.ota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FastCdcTest {
  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void chunksCoverTheDataWithinTheBoundsAndAverageNearTheTarget() {
    byte[] data = random(4 * 1024 * 1024, 1);
    List<Integer> sizes = FastCdc.cut(data);
    assertEquals(data.length, sizes.stream().mapToLong(Integer::longValue).sum());
    for (int i = 0; i < sizes.size() - 1; i++) {
      assertTrue(sizes.get(i) >= FastCdc.MIN && sizes.get(i) <= FastCdc.MAX, "chunk " + i + " is " + sizes.get(i));
    }
    double mean = (double) data.length / sizes.size();
    assertTrue(mean > FastCdc.AVG * 0.7 && mean < FastCdc.AVG * 1.5, "mean chunk " + mean);
  }

  @Test
  void anInsertionChangesOnlyTheChunksAroundItTheRestRealignAndAreTheSame() {
    byte[] base = random(1024 * 1024, 2);
    byte[] edited = new byte[base.length + 100];
    int at = 500_000;
    System.arraycopy(base, 0, edited, 0, at);
    System.arraycopy(random(100, 3), 0, edited, at, 100);
    System.arraycopy(base, at, edited, at + 100, base.length - at);
    List<byte[]> a = FastCdc.pieces(base);
    List<byte[]> b = FastCdc.pieces(edited);
    Set<String> known = new HashSet<>();
    a.forEach(p -> known.add(java.util.Arrays.toString(p)));
    long fresh = b.stream().filter(p -> !known.contains(java.util.Arrays.toString(p))).mapToLong(p -> p.length).sum();
    assertTrue(fresh < 3L * FastCdc.MAX, "only the chunks around the insertion are new: " + fresh + " bytes");
    assertTrue(fresh > 0);
  }

  @Test
  void shortDataIsOneChunkAndEmptyDataNone() {
    assertEquals(List.of(100), FastCdc.cut(new byte[100]));
    assertEquals(List.of(), FastCdc.cut(new byte[0]));
    List<Integer> long_ = FastCdc.cut(random(3 * FastCdc.MAX, 4));
    assertTrue(long_.stream().allMatch(n -> n <= FastCdc.MAX), long_.toString());
  }
}

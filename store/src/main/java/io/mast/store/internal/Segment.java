package io.mast.store.internal;

import java.util.Arrays;

/**
 * One segment of a lane as recovery found it or appends grew it: its slot, generation, first and
 * next sequence numbers, where its data ends, and a sparse index (the position of every
 * {@value #INDEX_STRIDE}th record) so a read from any sequence number scans at most that many
 * records. Sequence numbers within a segment are consecutive, which makes the index an array.
 */
public final class Segment {
  public static final int INDEX_STRIDE = 128;

  public final int slot;
  public final long generation;
  public final long firstSeq;
  public long endSeq;
  public long endPos = SegmentHeader.BYTES;
  public boolean scanned;
  public int[] index = new int[4];
  public int indexed;

  public Segment(int slot, long generation, long firstSeq) {
    this.slot = slot;
    this.generation = generation;
    this.firstSeq = firstSeq;
    this.endSeq = firstSeq;
  }

  public void indexIfDue(long seq, long position) {
    if ((seq - firstSeq) % INDEX_STRIDE == 0 && (seq - firstSeq) / INDEX_STRIDE == indexed) {
      if (indexed == index.length) {
        index = Arrays.copyOf(index, indexed * 2);
      }
      index[indexed++] = (int) position;
    }
  }
}

package io.mast.store.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One segment of a lane as recovery found it or appends grew it: its slot, generation, first and
 * next sequence numbers, where its data ends, its holes, and a sparse index (the first record at
 * or after every {@value #INDEX_STRIDE}th sequence number, with its position) so a read from any
 * sequence number scans at most about that many records.
 *
 * <p>A hole is a stretch of corrupt records that recovery skipped (bit rot, never a power cut:
 * valid records of the same or a later epoch follow it): the sequence numbers it lost and where
 * the data goes on. Reads jump over it.
 */
public final class Segment {
  public static final int INDEX_STRIDE = 128;

  /** Records {@code fromSeq}..{@code toSeq - 1} are lost; the record {@code toSeq} starts at {@code resumePos}. */
  public record Hole(long fromSeq, long toSeq, long resumePos) {}

  public final int slot;
  public final long generation;
  public final long firstSeq;
  public long endSeq;
  public long endPos = SegmentHeader.BYTES;
  public boolean scanned;
  public long[] indexSeq = new long[4];
  public int[] indexPos = new int[4];
  public int indexed;
  public final List<Hole> holes = new ArrayList<>();

  public Segment(int slot, long generation, long firstSeq) {
    this.slot = slot;
    this.generation = generation;
    this.firstSeq = firstSeq;
    this.endSeq = firstSeq;
  }

  /** Notes the record {@code seq} at {@code position} if it is the first at or after the next stride point. */
  public void indexIfDue(long seq, long position) {
    while (seq >= firstSeq + (long) indexed * INDEX_STRIDE) {
      if (indexed == indexSeq.length) {
        indexSeq = Arrays.copyOf(indexSeq, indexed * 2);
        indexPos = Arrays.copyOf(indexPos, indexed * 2);
      }
      indexSeq[indexed] = seq;
      indexPos[indexed] = (int) position;
      indexed++;
    }
  }

  /** The index entry to start a read of {@code from}: the last at or before it, or -1 for the segment's start. */
  public int indexFor(long from) {
    int k = Math.min(indexed, (int) Math.min(Integer.MAX_VALUE, (from - firstSeq) / INDEX_STRIDE + 1)) - 1;
    while (k >= 0 && indexSeq[k] > from) {
      k--;
    }
    return k;
  }

  /** The hole that begins at {@code seq}, or null. */
  public Hole holeAt(long seq) {
    for (Hole h : holes) {
      if (h.fromSeq() == seq) {
        return h;
      }
    }
    return null;
  }

  /** Records of this segment lost to holes. */
  public long corrupt() {
    return holes.stream().mapToLong(h -> h.toSeq() - h.fromSeq()).sum();
  }
}

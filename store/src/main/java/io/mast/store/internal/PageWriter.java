package io.mast.store.internal;

import io.mast.seams.DurableFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The head segment's write side: records are assembled in a page buffer and written in whole
 * pages at the page's offset, so flash sees sequential page-aligned writes. A page is written as
 * soon as it fills; {@link #flushTail()} writes the partial last page when the group commit
 * syncs, zero-filled at least {@value RecordFormat#HEADER} bytes past the last record so that a
 * scan meets a clean end there. Nothing here forces anything: the group commit forces
 * {@link #takeDirty()}.
 *
 * <p>Not thread safe, except {@link #countWritten}, which the sync thread calls for state writes.
 */
public final class PageWriter {
  public static final int PAGE = 4096;

  private final int segmentBytes;
  /**
   * The pages being assembled: four to start with, grown when a record does not fit behind the
   * partial page (to at most {@link #MAX_BUFFER}), so that a store of small records (every pole's)
   * holds 16 KiB here rather than its largest record's worth: a fleet of poles in one JVM counts it.
   */
  private byte[] page = new byte[4 * PAGE];
  private ByteBuffer pageBuffer = ByteBuffer.wrap(page);
  /** The partial page, the largest record and the zeros past it, rounded up to pages. */
  static final int MAX_BUFFER = 2 * PAGE + RecordFormat.MAX_RECORD + PAGE;
  private final Set<DurableFiles.DurableFile> dirty = new LinkedHashSet<>();
  private final AtomicLong bytesWritten = new AtomicLong();
  private DurableFiles.DurableFile file;
  private long bufferStart;
  private long end;
  private boolean tailDirty;

  public PageWriter(int segmentBytes) {
    this.segmentBytes = segmentBytes;
  }

  /** Goes on appending to {@code target} at {@code position}, loading the partial page before it. */
  public void resume(DurableFiles.DurableFile target, long position) throws IOException {
    file = target;
    end = position;
    bufferStart = position / PAGE * PAGE;
    Arrays.fill(page, (byte) 0);
    pageBuffer.clear().limit((int) (position - bufferStart));
    file.readFully(pageBuffer, bufferStart);
    pageBuffer.clear();
    tailDirty = false;
  }

  /** Starts writing a fresh segment in {@code target}: its header first. */
  public void startSegment(DurableFiles.DurableFile target, SegmentHeader header) {
    file = target;
    bufferStart = 0;
    Arrays.fill(page, (byte) 0);
    pageBuffer.clear();
    pageBuffer.put(header.encode());
    end = SegmentHeader.BYTES;
    tailDirty = true;
  }

  /** Room left in the segment after the last record. */
  public long room() {
    return segmentBytes - end;
  }

  /** Where the next record goes. */
  public long end() {
    return end;
  }

  /** Adds a record at {@link #end()}, {@code durableSeq} being the newest durable one; writes the pages it fills. */
  public void append(long seq, int epoch, ByteBuffer payload, long durableSeq) throws IOException {
    int size = RecordFormat.recordBytes(payload.remaining());
    int need = (int) (end - bufferStart) + size + RecordFormat.HEADER + PAGE;
    if (need > page.length) {
      page = Arrays.copyOf(page, Math.min(MAX_BUFFER, Math.max(need, 2 * page.length)));
      pageBuffer = ByteBuffer.wrap(page);
    }
    pageBuffer.position((int) (end - bufferStart));
    RecordFormat.write(pageBuffer, seq, epoch, payload, durableSeq);
    end += size;
    tailDirty = true;
    int fill = (int) (end - bufferStart);
    if (fill >= PAGE) {
      int full = fill / PAGE * PAGE;
      write(full);
      System.arraycopy(page, full, page, 0, fill - full);
      Arrays.fill(page, fill - full, fill, (byte) 0);
      bufferStart += full;
    }
  }

  /** Marks the tail as needing a rewrite (after recovery cut a torn one). */
  public void markTailDirty() {
    tailDirty = true;
  }

  /** Writes the partial last page, zero-padded, if anything was appended since the last flush. */
  public void flushTail() throws IOException {
    if (!tailDirty || file == null) {
      return;
    }
    long fill = end - bufferStart;
    write((int) Math.min((fill + RecordFormat.HEADER + PAGE - 1) / PAGE * PAGE, segmentBytes - bufferStart));
    tailDirty = false;
  }

  private void write(int length) throws IOException {
    file.write(ByteBuffer.wrap(page, 0, length), bufferStart);
    bytesWritten.addAndGet(length);
    dirty.add(file);
  }

  /** The files written since the last call. */
  public List<DurableFiles.DurableFile> takeDirty() {
    List<DurableFiles.DurableFile> out = new ArrayList<>(dirty);
    dirty.clear();
    return out;
  }

  public void countWritten(long bytes) {
    bytesWritten.addAndGet(bytes);
  }

  public long bytesWritten() {
    return bytesWritten.get();
  }
}

package io.mast.runtime.uplink;

import io.mast.protocol.ChannelProfile;
import io.mast.protocol.FrameFormatException;
import io.mast.seams.AtomicFiles;
import io.mast.seams.DurableFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Which channel profile each stored record was taken under, so records stored before a config
 * change are still sent under the profile their channel ids mean, until they are acknowledged.
 * A profile starts at a record and an alarm record (the next ones after a frame cut), and holds
 * until the next one starts.
 *
 * <pre>
 * offset  size  field
 * 0       4     magic "MPH1" (format 1)
 * 4       4     N, entries (at least 1), oldest first
 *               N times:
 *                 8   first readings record under this profile (store sequence number)
 *                 8   first alarm record under this profile
 *                 4   L, bytes of the profile
 *                 L   the profile (ChannelProfile.toBytes, as sent on topic p)
 * end-4   4     CRC-32C of every byte before it
 * </pre>
 *
 * <p>Commit protocol: a new profile is added before any record under it is appended (the caller
 * holds the ingest monitor across both), by replacing the whole file atomically; a power cut
 * leaves the old history (no record of the new profile exists yet) or the new one. Entries whose
 * records are all acknowledged are pruned the next time the file is written. A file that fails
 * its CRC is refused with its path: sending records under a guessed profile would mislabel them.
 *
 * <p>Not thread safe: the runtime adds under the ingest monitor, the uplink thread reads a
 * snapshot ({@link #entries()} is an immutable copy, published through a volatile field).
 */
public final class ProfileHistory {
  /** One profile and the first records taken under it. */
  public record Entry(long fromRecord, long fromAlarm, ChannelProfile profile) {}

  private static final int MAGIC = 0x4d504831; // "MPH1"
  private final DurableFiles files;
  private final Path file;
  private volatile List<Entry> entries;

  private ProfileHistory(DurableFiles files, Path file, List<Entry> entries) {
    this.files = files;
    this.file = file;
    this.entries = List.copyOf(entries);
  }

  /**
   * Opens the history in {@code file}, or starts one with {@code current} from the first records
   * when there is none. When {@code current} differs from the newest profile in the file (the
   * config changed while Mast was stopped), the caller adds it with {@link #add} after a cut.
   */
  public static ProfileHistory open(DurableFiles files, Path file, ChannelProfile current) throws IOException {
    files.createDirectories(file.toAbsolutePath().getParent());
    AtomicFiles.removeLeftovers(files, file);
    byte[] bytes = files.readAll(file);
    if (bytes == null) {
      ProfileHistory h = new ProfileHistory(files, file, List.of(new Entry(1, 1, current)));
      h.write(h.entries);
      return h;
    }
    return new ProfileHistory(files, file, parse(file, bytes));
  }

  public List<Entry> entries() {
    return entries;
  }

  /** The profile in force now. */
  public ChannelProfile current() {
    List<Entry> e = entries;
    return e.get(e.size() - 1).profile();
  }

  /** The profile readings record {@code seq} was taken under. */
  public ChannelProfile forRecord(long seq) {
    return find(seq, true);
  }

  /** The profile alarm record {@code seq} was raised under. */
  public ChannelProfile forAlarm(long seq) {
    return find(seq, false);
  }

  /** The first readings record of the profile after the one of record {@code seq}, or MAX_VALUE. */
  public long nextBoundary(long seq) {
    for (Entry e : entries) {
      if (e.fromRecord() > seq) {
        return e.fromRecord();
      }
    }
    return Long.MAX_VALUE;
  }

  private ChannelProfile find(long seq, boolean record) {
    List<Entry> list = entries;
    ChannelProfile found = list.get(0).profile();
    for (Entry e : list) {
      if ((record ? e.fromRecord() : e.fromAlarm()) <= seq) {
        found = e.profile();
      }
    }
    return found;
  }

  /**
   * Makes {@code profile} the current one from the given records on, dropping entries whose
   * records are all acknowledged ({@code ackedRecord}, {@code ackedAlarm}); durable on return.
   */
  public void add(long fromRecord, long fromAlarm, ChannelProfile profile, long ackedRecord, long ackedAlarm) throws IOException {
    List<Entry> next = new ArrayList<>();
    List<Entry> old = entries;
    for (int i = 0; i < old.size(); i++) {
      long endRecord = i + 1 < old.size() ? old.get(i + 1).fromRecord() : fromRecord;
      long endAlarm = i + 1 < old.size() ? old.get(i + 1).fromAlarm() : fromAlarm;
      boolean allAcked = endRecord - 1 <= ackedRecord && endAlarm - 1 <= ackedAlarm;
      if (!allAcked) {
        next.add(old.get(i));
      }
    }
    next.add(new Entry(fromRecord, fromAlarm, profile));
    write(next);
    entries = List.copyOf(next);
  }

  private void write(List<Entry> list) throws IOException {
    List<byte[]> profiles = list.stream().map(e -> e.profile().toBytes()).toList();
    int size = 8 + profiles.stream().mapToInt(p -> 20 + p.length).sum() + 4;
    ByteBuffer b = ByteBuffer.allocate(size);
    b.putInt(MAGIC).putInt(list.size());
    for (int i = 0; i < list.size(); i++) {
      b.putLong(list.get(i).fromRecord()).putLong(list.get(i).fromAlarm()).putInt(profiles.get(i).length).put(profiles.get(i));
    }
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    AtomicFiles.replace(files, file, b.array());
  }

  private static List<Entry> parse(Path file, byte[] bytes) throws IOException {
    if (bytes.length < 12) {
      throw new IOException(file + ": " + bytes.length + " bytes is too short for a profile history");
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length - 4);
    ByteBuffer b = ByteBuffer.wrap(bytes);
    if (b.getInt(bytes.length - 4) != (int) crc.getValue()) {
      throw new IOException(file + ": the profile history fails its CRC-32C (a damaged card?); move it away to start a new "
          + "one, and records stored before it may then be sent under the current profile");
    }
    if (b.getInt() != MAGIC) {
      throw new IOException(file + ": not a profile history (format 1)");
    }
    int n = b.getInt();
    List<Entry> list = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        long fromRecord = b.getLong();
        long fromAlarm = b.getLong();
        byte[] p = new byte[b.getInt()];
        b.get(p);
        list.add(new Entry(fromRecord, fromAlarm, ChannelProfile.parse(p)));
      }
    } catch (FrameFormatException | RuntimeException e) {
      throw new IOException(file + ": entry " + list.size() + " of the profile history is damaged: " + e.getMessage());
    }
    if (list.isEmpty()) {
      throw new IOException(file + ": the profile history is empty");
    }
    return list;
  }
}

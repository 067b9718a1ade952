package io.mast.runtime.console;

import io.mast.seams.AtomicFiles;
import io.mast.seams.DurableFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The console's local audit log: every login, failed login and change, kept on the pole so a
 * technician's work is on record even when the link is down. Bounded and power-cut safe.
 *
 * <pre>
 * DIR/audit.log   entries, oldest first, one line each:
 *                 SEQ SP TIME SP WHO SP WHAT SP '#' CRC-32C of the text before it (8 hex digits) LF
 * DIR/audit.old   the previous audit.log, once audit.log passed maxBytes
 * </pre>
 *
 * <p>Commit protocol of {@link #append}: the line is written after the last whole line and forced
 * before {@code append} returns. A power cut mid-write leaves a torn last line, which fails its
 * CRC or has no LF: reading skips it, and the next append writes over it. When audit.log passes
 * {@code maxBytes} it becomes audit.old (atomic rename) and a new one starts: at most about
 * twice {@code maxBytes} on flash. Text, so {@code less} reads it on the board; no secret ever
 * reaches it (the shell passes what was done, never a PIN).
 *
 * <p>Not thread safe: the shell serialises its appends.
 */
public final class AuditLog {
  /** One entry; {@code seq} rises by one per entry, across restarts and the previous file. */
  public record Entry(long seq, Instant time, String who, String what) {}

  static final String CURRENT = "audit.log";
  static final String OLD = "audit.old";

  private final DurableFiles files;
  private final Path dir;
  private final long maxBytes;
  /** Where the next line goes: after the last whole, valid line. */
  private long end;
  /** The number of the next entry. */
  private long nextSeq = 1;

  private AuditLog(DurableFiles files, Path dir, long maxBytes) {
    this.files = files;
    this.dir = dir;
    this.maxBytes = maxBytes;
  }

  public static AuditLog open(DurableFiles files, Path dir, long maxBytes) throws IOException {
    files.createDirectories(dir);
    AtomicFiles.removeLeftovers(files, dir.resolve(CURRENT));
    AuditLog log = new AuditLog(files, dir, maxBytes);
    log.end = log.validEnd(log.read(CURRENT));
    List<Entry> last = log.recent(1);
    log.nextSeq = last.isEmpty() ? 1 : last.get(0).seq() + 1;
    return log;
  }

  /** Appends an entry, durably, and returns it; control characters in {@code who} and {@code what} become spaces. */
  public Entry append(Instant time, String who, String what) throws IOException {
    Entry entry = new Entry(nextSeq, time, clean(who).replace(' ', '_'), clean(what));
    String text = entry.seq() + " " + time + " " + entry.who() + " " + entry.what();
    byte[] line = (text + " #" + crc(text) + "\n").getBytes(StandardCharsets.UTF_8);
    if (end > 0 && end + line.length > maxBytes) {
      rotate();
    }
    try (DurableFiles.DurableFile f = files.open(dir.resolve(CURRENT))) {
      f.write(ByteBuffer.wrap(line), end);
      f.truncate(end + line.length);
      f.force();
    }
    if (end == 0) {
      // a new current file (the first entry, or the first after a rotation): its entry on the disk too, or a power cut
      // takes the file and every entry in it (found by the power-cut loop)
      files.syncDirectory(dir);
    }
    end += line.length;
    nextSeq++;
    return entry;
  }

  /** Up to {@code max} entries numbered above {@code seq}, oldest first (those still on flash). */
  public List<Entry> after(long seq, int max) throws IOException {
    List<Entry> out = new ArrayList<>();
    for (Entry e : all()) {
      if (e.seq() > seq && out.size() < max) {
        out.add(e);
      }
    }
    return out;
  }

  /** The number the next entry will get. */
  public long nextSeq() {
    return nextSeq;
  }

  /** The newest {@code n} entries, oldest first, across the current and the previous file. */
  public List<Entry> recent(int n) throws IOException {
    List<Entry> all = all();
    return List.copyOf(all.subList(Math.max(0, all.size() - n), all.size()));
  }

  /** Every entry still on flash, oldest first: the previous file's, then the current one's. */
  private List<Entry> all() throws IOException {
    List<Entry> all = new ArrayList<>(entries(read(OLD)));
    all.addAll(entries(read(CURRENT)));
    return all;
  }

  private void rotate() throws IOException {
    byte[] current = read(CURRENT);
    AtomicFiles.replace(files, dir.resolve(OLD), java.util.Arrays.copyOf(current, (int) end));
    files.deleteIfExists(dir.resolve(CURRENT));
    files.syncDirectory(dir);
    end = 0;
  }

  private byte[] read(String name) throws IOException {
    byte[] b = files.readAll(dir.resolve(name));
    return b == null ? new byte[0] : b;
  }

  /** The offset after the last whole line whose CRC holds, counting from the start. */
  private long validEnd(byte[] bytes) {
    long valid = 0;
    int start = 0;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        if (parse(new String(bytes, start, i - start, StandardCharsets.UTF_8)) == null) {
          break;
        }
        valid = i + 1;
        start = i + 1;
      }
    }
    return valid;
  }

  private static List<Entry> entries(byte[] bytes) {
    List<Entry> out = new ArrayList<>();
    for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n", -1)) {
      Entry e = parse(line);
      if (e != null) {
        out.add(e);
      }
    }
    return out;
  }

  private static Entry parse(String line) {
    int hash = line.lastIndexOf(" #");
    if (hash < 0 || line.length() - hash != 10) {
      return null;
    }
    String text = line.substring(0, hash);
    if (!line.substring(hash + 2).equals(crc(text))) {
      return null;
    }
    String[] parts = text.split(" ", 4);
    if (parts.length < 4) {
      return null;
    }
    try {
      return new Entry(Long.parseLong(parts[0]), Instant.parse(parts[1]), parts[2], parts[3]);
    } catch (java.time.format.DateTimeParseException | NumberFormatException e) {
      return null;
    }
  }

  private static String crc(String text) {
    CRC32C c = new CRC32C();
    c.update(text.getBytes(StandardCharsets.UTF_8));
    return String.format("%08x", c.getValue());
  }

  private static String clean(String s) {
    StringBuilder b = new StringBuilder();
    s.codePoints().forEach(c -> b.appendCodePoint(c < 0x20 || c == 0x7f ? ' ' : c));
    return b.toString();
  }
}

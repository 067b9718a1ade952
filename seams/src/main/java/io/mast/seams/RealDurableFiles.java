package io.mast.seams;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/** {@link DurableFiles} over {@link FileChannel}s of the local file system. */
final class RealDurableFiles implements DurableFiles {
  static final RealDurableFiles INSTANCE = new RealDurableFiles();

  private RealDurableFiles() {}

  @Override
  public DurableFile open(Path file) throws IOException {
    return new ChannelFile(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE));
  }

  @Override
  public DurableFile openReadOnly(Path file) throws IOException {
    return new ChannelFile(FileChannel.open(file, StandardOpenOption.READ));
  }

  @Override
  public boolean exists(Path path) {
    return Files.exists(path);
  }

  @Override
  public void createDirectories(Path dir) throws IOException {
    Path abs = dir.toAbsolutePath().normalize();
    java.util.ArrayDeque<Path> made = new java.util.ArrayDeque<>();
    for (Path p = abs; p != null && !Files.isDirectory(p); p = p.getParent()) {
      made.push(p);
    }
    if (made.isEmpty()) {
      return;
    }
    Files.createDirectories(abs);
    for (Path p : made) {
      syncDirectory(p.getParent()); // the new entry, in the directory that holds it
    }
  }

  @Override
  public List<Path> list(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(Files::isRegularFile).sorted().toList();
    }
  }

  @Override
  public byte[] readAll(Path file) throws IOException {
    try {
      return Files.readAllBytes(file);
    } catch (java.nio.file.NoSuchFileException e) {
      return null;
    }
  }

  @Override
  public void writeAndSync(Path file, byte[] data) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buffer = ByteBuffer.wrap(data);
      while (buffer.hasRemaining()) {
        ch.write(buffer);
      }
      ch.force(true);
    }
  }

  @Override
  public void rename(Path from, Path to) throws IOException {
    Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  @Override
  public void deleteIfExists(Path file) throws IOException {
    Files.deleteIfExists(file);
  }

  @Override
  public long usableSpace(Path path) throws IOException {
    Path existing = path.toAbsolutePath();
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    // statvfs on the path itself: FileStore first looks the path up in the mount table, which
    // fails ("Mount point not found") in a chroot or a container that does not show it
    return (existing == null ? Path.of("/") : existing).toFile().getUsableSpace();
  }

  @Override
  public void syncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>The holder writes who it is into the lock file (process id, start time, command), so that
   * a second process is refused with the name of the first; the lock itself is the kernel's, so
   * a stale description after a kill -9 misleads nobody: the next process takes the lock and
   * writes its own.
   */
  @Override
  public Closeable lock(Path file) throws IOException {
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    if (tryLock(ch) == null) {
      ch.close();
      checkUnlocked(file);
      throw new IOException(file.toAbsolutePath().getParent() + " is in use by another Mast process");
    }
    ch.truncate(0);
    ch.write(ByteBuffer.wrap(self().getBytes(StandardCharsets.UTF_8)), 0);
    return ch;
  }

  @Override
  public void checkUnlocked(Path file) throws IOException {
    if (!Files.exists(file)) {
      return;
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      FileLock lock = tryLock(ch);
      if (lock == null) {
        String holder = holder(ch);
        throw new IOException(file.toAbsolutePath().getParent() + " is in use by another Mast process"
            + (holder.isEmpty() ? "" : " (" + holder + ")"));
      }
      lock.release();
    }
  }

  /** The exclusive lock of {@code ch}, or null when another process (or this one) holds it. */
  private static FileLock tryLock(FileChannel ch) throws IOException {
    try {
      return ch.tryLock();
    } catch (OverlappingFileLockException e) {
      return null;
    }
  }

  /** What the holder wrote into the lock file: one line, at most 200 characters. */
  private static String holder(FileChannel ch) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(200);
    ch.read(b, 0);
    String text = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
    int end = text.indexOf('\n');
    return (end >= 0 ? text.substring(0, end) : text).strip();
  }

  /** "process 1234, since 2026-12-01T23:00:01Z: mast run --sim". */
  static String self() {
    ProcessHandle me = ProcessHandle.current();
    String command = System.getProperty("sun.java.command", "");
    int space = command.indexOf(' ');
    String args = space < 0 ? "" : command.substring(space);
    String since = me.info().startInstant().map(i -> ", since " + i.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)).orElse("");
    return "process " + me.pid() + since + ": mast" + args + "\n";
  }

  private record ChannelFile(FileChannel channel) implements DurableFile {
    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return channel.read(dst, position);
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
      long at = position;
      while (src.hasRemaining()) {
        at += channel.write(src, at);
      }
    }

    @Override
    public void force() throws IOException {
      channel.force(false);
    }

    @Override
    public long size() throws IOException {
      return channel.size();
    }

    @Override
    public void truncate(long size) throws IOException {
      if (channel.size() > size) {
        channel.truncate(size);
        channel.force(true);
      }
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }
}

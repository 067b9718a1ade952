package io.mast.seams;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link DurableFiles} for many poles in one JVM (a fleet simulator): an open file holds no
 * descriptor of its own but borrows one from a pool of at most {@code maxOpen}, opened from the
 * base layer on use and closed again, least recently used first, when the pool is full. A pole
 * keeps about 16 files open for its life (store segments and states, the agents' state files),
 * which would make 10,000 poles need 170,000 descriptors; through this, they need the pool's.
 *
 * <p>Durability is unchanged on Linux: a data sync through any descriptor of a file forces all of
 * that file's written pages, so a write through one borrowed descriptor and the force through
 * another are as durable as both through one.
 *
 * <p>Locks are this process's: the lock of a path is held in memory (and another process's lock
 * on it is checked, through the base layer, when it is taken), because a kernel lock lives only as
 * long as its descriptor. Whoever uses this layer locks the whole tree once through the base layer.
 */
final class PooledFiles implements DurableFiles {
  private final DurableFiles base;
  private final int maxOpen;
  /** Open handles, least recently used first; guarded by itself. */
  private final LinkedHashMap<Pooled, Handle> open = new LinkedHashMap<>(16, 0.75f, true);
  private final Set<Path> locked = ConcurrentHashMap.newKeySet();

  PooledFiles(DurableFiles base, int maxOpen) {
    if (maxOpen < 1) {
      throw new IllegalArgumentException("a pool of " + maxOpen + " files");
    }
    this.base = base;
    this.maxOpen = maxOpen;
  }

  /** A descriptor of the base layer and how many operations use it now. */
  private static final class Handle {
    final DurableFile file;
    int users;

    Handle(DurableFile file) {
      this.file = file;
    }
  }

  private interface Op<T> {
    T on(DurableFile f) throws IOException;
  }

  @Override
  public DurableFile open(Path file) throws IOException {
    Pooled p = new Pooled(file, false);
    p.use(f -> null); // creates it now, as the base layer's open does
    return p;
  }

  @Override
  public DurableFile openReadOnly(Path file) throws IOException {
    Pooled p = new Pooled(file, true);
    p.use(f -> null); // fails now if it does not exist
    return p;
  }

  /** Descriptors the pool holds now. */
  int openNow() {
    synchronized (open) {
      return open.size();
    }
  }

  private final class Pooled implements DurableFile {
    private final Path path;
    private final boolean readOnly;
    private volatile boolean closed;

    Pooled(Path path, boolean readOnly) {
      this.path = path;
      this.readOnly = readOnly;
    }

    <T> T use(Op<T> op) throws IOException {
      if (closed) {
        throw new IOException(path + " is closed");
      }
      Handle h;
      synchronized (open) {
        h = open.get(this);
      }
      if (h == null) {
        Handle fresh = new Handle(readOnly ? base.openReadOnly(path) : base.open(path));
        synchronized (open) {
          h = open.get(this);
          if (h == null) {
            h = fresh;
            open.put(this, h);
            fresh = null;
          }
          h.users++;
        }
        if (fresh != null) {
          fresh.file.close(); // another thread of this file opened one first
        }
      } else {
        boolean kept;
        synchronized (open) {
          kept = open.get(this) == h;
          if (kept) {
            h.users++;
          }
        }
        if (!kept) {
          return use(op); // evicted between the two looks
        }
      }
      try {
        return op.on(h.file);
      } finally {
        release(h);
      }
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return use(f -> f.read(dst, position));
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
      use(f -> {
        f.write(src, position);
        return null;
      });
    }

    @Override
    public void force() throws IOException {
      use(f -> {
        f.force();
        return null;
      });
    }

    @Override
    public long size() throws IOException {
      return use(DurableFile::size);
    }

    @Override
    public void truncate(long size) throws IOException {
      use(f -> {
        f.truncate(size);
        return null;
      });
    }

    @Override
    public void close() throws IOException {
      closed = true;
      Handle h;
      synchronized (open) {
        h = open.remove(this);
      }
      if (h != null) {
        h.file.close();
      }
    }
  }

  /** One operation is done with {@code h}; closes the least recently used idle handles over the pool's size. */
  private void release(Handle h) throws IOException {
    List<Handle> toClose = new java.util.ArrayList<>();
    synchronized (open) {
      h.users--;
      Iterator<Map.Entry<Pooled, Handle>> it = open.entrySet().iterator();
      while (open.size() - toClose.size() > maxOpen && it.hasNext()) {
        Handle oldest = it.next().getValue();
        if (oldest.users == 0) {
          it.remove();
          toClose.add(oldest);
        }
      }
    }
    for (Handle c : toClose) {
      c.file.close();
    }
  }

  @Override
  public boolean exists(Path path) {
    return base.exists(path);
  }

  @Override
  public void createDirectories(Path dir) throws IOException {
    base.createDirectories(dir);
  }

  @Override
  public List<Path> list(Path dir) throws IOException {
    return base.list(dir);
  }

  @Override
  public byte[] readAll(Path file) throws IOException {
    return base.readAll(file);
  }

  @Override
  public void writeAndSync(Path file, byte[] data) throws IOException {
    base.writeAndSync(file, data);
  }

  @Override
  public void rename(Path from, Path to) throws IOException {
    base.rename(from, to);
  }

  @Override
  public void deleteIfExists(Path file) throws IOException {
    base.deleteIfExists(file);
  }

  @Override
  public long usableSpace(Path path) throws IOException {
    return base.usableSpace(path);
  }

  @Override
  public void syncDirectory(Path dir) throws IOException {
    base.syncDirectory(dir);
  }

  @Override
  public Closeable lock(Path file) throws IOException {
    Path key = file.toAbsolutePath().normalize();
    base.checkUnlocked(file);
    if (!locked.add(key)) {
      throw new IOException(key.getParent() + " is in use by another pole of this process");
    }
    return () -> locked.remove(key);
  }

  @Override
  public void checkUnlocked(Path file) throws IOException {
    Path key = file.toAbsolutePath().normalize();
    if (locked.contains(key)) {
      throw new IOException(key.getParent() + " is in use by another pole of this process");
    }
    base.checkUnlocked(file);
  }
}

#!/usr/bin/python3
"""cutfs: a file system that loses what a power cut loses.

    /usr/bin/python3 cutfs.py BACKING MOUNTPOINT

Mounts a FUSE file system at MOUNTPOINT whose durable state (what survives a cut) is what a
program asked for:

  * a file's data (and size) is durable from the moment fsync or fdatasync returns on it;
  * a directory's entries (a create, a rename, an unlink, a mkdir in it) are durable from the
    moment fsync returns on the directory itself, and not before: a file created and synced but
    never linked durably is gone after a cut, and a rename not followed by a directory sync is
    undone (the case a kill -9 never shows, since the page cache survives a killed process).

Until then reads see every write, as from the page cache. The durable state is kept in memory
and written to BACKING at each cut and at unmount (and read from it at mount), so BACKING is the
disk as the last power cut left it. Writing "cut" to MOUNTPOINT/.cutfs
drops everything not durable; "cut tear" also lets a prefix of the last unsynced write, cut at a
512-byte sector boundary, reach the disk first (a write torn by the power going). Reading
MOUNTPOINT/.cutfs gives counts: "writes= syncs= dirsyncs= cuts= torn_bytes=".

The process under test must be dead before the cut (kill -9 it, wait, then cut): the cut is the
power going, the kill is the program not seeing it. Mounted with no attribute, entry or
negative caching and without keeping file pages between opens, so a new process after a cut
sees exactly the durable state. Debian: python3-fusepy (module "fusepy") and fuse3; run as root
or with /dev/fuse usable. Prints "mounted" once the mount is ready.
"""
import errno
import os
import random
import shutil
import stat
import sys
import threading
import time

import fusepy

CONTROL = "/.cutfs"
SECTOR = 512


class Node:
    __slots__ = ("ino", "is_dir", "data", "durable", "version", "entries", "durable_entries", "mode", "mtime")

    def __init__(self, ino, is_dir, mode):
        self.ino = ino
        self.is_dir = is_dir
        self.mode = mode
        self.mtime = time.time()
        self.data = bytearray()
        self.durable = None  # the file's synced bytes; None: never synced
        self.version = 0  # counts the changes of durable
        self.entries = {} if is_dir else None  # name -> Node, as programs see them
        self.durable_entries = {} if is_dir else None  # name -> Node, as a cut leaves them


class CutFs(fusepy.Operations):
    def __init__(self, backing):
        self.backing = os.path.abspath(backing)
        self.mutex = threading.Lock()
        self.next_ino = 1
        self.root = self._node(True, 0o755)
        self.last_write = None  # (node, offset, bytes) of the newest write not yet synced
        self.counts = {"writes": 0, "syncs": 0, "dirsyncs": 0, "cuts": 0, "torn_bytes": 0}
        self.control = b""
        self.written = {}  # path under BACKING -> (inode, version of its durable bytes) last written there
        self._load(self.backing, self.root)

    # -- the durable state on BACKING ---------------------------------------------------------

    def _node(self, is_dir, mode):
        n = Node(self.next_ino, is_dir, mode)
        self.next_ino += 1
        return n

    def _load(self, path, node):
        for name in sorted(os.listdir(path)):
            p = os.path.join(path, name)
            if os.path.isdir(p):
                child = self._node(True, 0o755)
                self._load(p, child)
            else:
                child = self._node(False, 0o644)
                with open(p, "rb") as f:
                    child.data = bytearray(f.read())
                child.durable = bytes(child.data)
            node.entries[name] = child
            node.durable_entries[name] = child

    def _write_backing(self, rel, node):
        path = self.backing + rel
        if node.is_dir:
            os.makedirs(path, exist_ok=True)
            for name in os.listdir(path):
                if name not in node.durable_entries:
                    gone = os.path.join(path, name)
                    shutil.rmtree(gone) if os.path.isdir(gone) and not os.path.islink(gone) else os.unlink(gone)
            for name, child in node.durable_entries.items():
                self._write_backing(rel + "/" + name, child)
            fd = os.open(path, os.O_RDONLY)
            os.fsync(fd)
            os.close(fd)
        else:
            if self.written.get(rel) == (node.ino, node.version) and os.path.isfile(path):
                return  # this very content is there already
            if os.path.isdir(path):
                shutil.rmtree(path)
            with open(path, "wb") as f:
                f.write(node.durable or b"")
                f.flush()
                os.fsync(f.fileno())
            self.written[rel] = (node.ino, node.version)

    # -- paths as programs see them -------------------------------------------------------------

    def _find(self, path):
        node = self.root
        for part in [p for p in path.split("/") if p]:
            if not node.is_dir or part not in node.entries:
                raise fusepy.FuseOSError(errno.ENOENT)
            node = node.entries[part]
        return node

    def _parent(self, path):
        head, name = os.path.split(path.rstrip("/"))
        parent = self._find(head or "/")
        if not parent.is_dir:
            raise fusepy.FuseOSError(errno.ENOTDIR)
        return parent, name

    # -- the cut --------------------------------------------------------------------------------

    def _cut(self, tear):
        if tear and self.last_write is not None:
            node, offset, data = self.last_write
            keep = random.randint(0, len(data) // SECTOR) * SECTOR
            if keep > 0:
                base = bytearray(node.durable or b"")
                if len(base) < offset:
                    base.extend(bytes(offset - len(base)))
                base[offset:offset + keep] = data[:keep]
                node.durable = bytes(base)
                node.version += 1
                self.counts["torn_bytes"] += keep
        self.last_write = None
        self.counts["cuts"] += 1
        self._reset(self.root, set())
        self._write_backing("", self.root)

    def _reset(self, node, seen):
        if node.ino in seen:
            return
        seen.add(node.ino)
        if node.is_dir:
            node.entries = dict(node.durable_entries)
            for child in node.entries.values():
                self._reset(child, seen)
        else:
            node.data = bytearray(node.durable or b"")

    def _control_text(self):
        return (" ".join("%s=%d" % kv for kv in self.counts.items()) + "\n").encode()

    # -- FUSE operations ------------------------------------------------------------------------

    def init(self, path):
        print("mounted", flush=True)

    def destroy(self, path):
        with self.mutex:
            self._write_backing("", self.root)

    def getattr(self, path, fh=None):
        with self.mutex:
            if path == CONTROL:
                return {"st_mode": stat.S_IFREG | 0o666, "st_nlink": 1, "st_size": len(self._control_text()),
                        "st_mtime": time.time(), "st_atime": time.time(), "st_ctime": time.time()}
            n = self._find(path)
            mode = (stat.S_IFDIR if n.is_dir else stat.S_IFREG) | n.mode
            return {"st_mode": mode, "st_nlink": 2 if n.is_dir else 1, "st_size": 0 if n.is_dir else len(n.data),
                    "st_mtime": n.mtime, "st_atime": n.mtime, "st_ctime": n.mtime,
                    "st_uid": os.getuid(), "st_gid": os.getgid(), "st_ino": n.ino}

    def access(self, path, amode):
        with self.mutex:
            if path != CONTROL:
                self._find(path)
        return 0

    def readdir(self, path, fh):
        with self.mutex:
            n = self._find(path)
            return [".", ".."] + list(n.entries.keys())

    def opendir(self, path):
        with self.mutex:
            self._find(path)
        return 0

    def open(self, path, flags):
        with self.mutex:
            if path != CONTROL:
                n = self._find(path)
                if flags & os.O_TRUNC:
                    n.data = bytearray()
        return 0

    def create(self, path, mode, fi=None):
        with self.mutex:
            parent, name = self._parent(path)
            n = parent.entries.get(name)
            if n is None:
                n = self._node(False, mode & 0o7777)
                parent.entries[name] = n
            else:
                n.data = bytearray()
            parent.mtime = time.time()
        return 0

    def read(self, path, size, offset, fh):
        with self.mutex:
            if path == CONTROL:
                return self._control_text()[offset:offset + size]
            n = self._find(path)
            return bytes(n.data[offset:offset + size])

    def write(self, path, data, offset, fh):
        with self.mutex:
            if path == CONTROL:
                self.control += data
                return len(data)
            n = self._find(path)
            if len(n.data) < offset:
                n.data.extend(bytes(offset - len(n.data)))
            n.data[offset:offset + len(data)] = data
            n.mtime = time.time()
            self.last_write = (n, offset, bytes(data))
            self.counts["writes"] += 1
            return len(data)

    def truncate(self, path, length, fh=None):
        with self.mutex:
            if path == CONTROL:
                self.control = b""
                return 0
            n = self._find(path)
            if length < len(n.data):
                del n.data[length:]
            else:
                n.data.extend(bytes(length - len(n.data)))
            n.mtime = time.time()
        return 0

    def flush(self, path, fh):
        return 0

    def release(self, path, fh):
        with self.mutex:
            if path == CONTROL and self.control:
                words = self.control.decode(errors="replace").split()
                self.control = b""
                if words and words[0] == "cut":
                    self._cut("tear" in words[1:])
        return 0

    def fsync(self, path, datasync, fh):
        with self.mutex:
            if path == CONTROL:
                return 0
            n = self._find(path)
            n.durable = bytes(n.data)
            n.version += 1
            if self.last_write is not None and self.last_write[0] is n:
                self.last_write = None
            self.counts["syncs"] += 1
        return 0

    def fsyncdir(self, path, datasync, fh):
        with self.mutex:
            n = self._find(path)
            n.durable_entries = dict(n.entries)
            self.counts["dirsyncs"] += 1
        return 0

    def mkdir(self, path, mode):
        with self.mutex:
            parent, name = self._parent(path)
            if name in parent.entries:
                raise fusepy.FuseOSError(errno.EEXIST)
            parent.entries[name] = self._node(True, mode & 0o7777)
            parent.mtime = time.time()
        return 0

    def rmdir(self, path):
        with self.mutex:
            parent, name = self._parent(path)
            n = parent.entries.get(name)
            if n is None:
                raise fusepy.FuseOSError(errno.ENOENT)
            if not n.is_dir:
                raise fusepy.FuseOSError(errno.ENOTDIR)
            if n.entries:
                raise fusepy.FuseOSError(errno.ENOTEMPTY)
            del parent.entries[name]
        return 0

    def unlink(self, path):
        with self.mutex:
            parent, name = self._parent(path)
            if name not in parent.entries:
                raise fusepy.FuseOSError(errno.ENOENT)
            del parent.entries[name]
        return 0

    def rename(self, old, new):
        with self.mutex:
            op, oname = self._parent(old)
            np, nname = self._parent(new)
            n = op.entries.get(oname)
            if n is None:
                raise fusepy.FuseOSError(errno.ENOENT)
            target = np.entries.get(nname)
            if target is not None and target.is_dir and target.entries:
                raise fusepy.FuseOSError(errno.ENOTEMPTY)
            del op.entries[oname]
            np.entries[nname] = n
        return 0

    def chmod(self, path, mode):
        with self.mutex:
            self._find(path).mode = mode & 0o7777
        return 0

    def chown(self, path, uid, gid):
        return 0

    def utimens(self, path, times=None):
        with self.mutex:
            if path != CONTROL:
                self._find(path).mtime = times[1] if times else time.time()
        return 0

    def statfs(self, path):
        s = os.statvfs(self.backing)
        return {k: getattr(s, k) for k in ("f_bavail", "f_bfree", "f_blocks", "f_bsize", "f_favail", "f_ffree", "f_files",
                                           "f_flag", "f_frsize", "f_namemax")}


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    fusepy.FUSE(CutFs(sys.argv[1]), sys.argv[2], foreground=True, nothreads=True, attr_timeout=0, entry_timeout=0,
                negative_timeout=0, default_permissions=False)

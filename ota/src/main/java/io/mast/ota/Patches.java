package io.mast.ota;

import io.mast.protocol.FrameFormatException;
import io.mast.protocol.OtaManifestMessage;
import io.mast.protocol.OtaPatchMessage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Patches: a manifest against a base ({@link OtaPatchMessage}), made by the platform from the base's
 * and the next release's manifests, expanded by a pole from its running slot to the full manifest.
 *
 * <p>The base is named by its <b>content id</b>, {@link #contentId}: SHA-256 over its distinct
 * chunks (hash and length, in order) and its files (path, size, hash, chunk indexes, in path order).
 * Modes are left out: a pole's files carry the modes its installer gave them, and a kept file keeps
 * its own. A pole works the id out by packing its running slot as the packer packs a release
 * ({@link Packer#describe}, which leaves out what a pole makes itself, such as its class-data archive):
 * a slot that holds the base, byte for byte, has the base's id; any other slot (another release, a
 * file changed on flash, a file added) has another, and the pole asks for the full manifest.
 *
 * <p>Every chunk hash of the expanded manifest is fixed by signed data: the new chunks' by the
 * patch, the base chunks' by the content id the patch names (the pole's own hashes are used only
 * once they hash to it). Each file is checked after it is written, as for a full manifest.
 */
public final class Patches {
  private Patches() {}

  /** A patch offer for a base this pole does not run: it needs the full manifest. */
  public static final class NotOnBaseException extends Exception {
    private static final long serialVersionUID = 1L;

    public NotOnBaseException(String message) {
      super(message);
    }
  }

  /** The content id of a release: its chunks and files, not its version fields nor its modes. */
  public static byte[] contentId(OtaManifestMessage m) {
    MessageDigest d = Packer.sha256();
    ByteBuffer b = ByteBuffer.allocate(8);
    d.update("mast-ota-content-1".getBytes(StandardCharsets.US_ASCII));
    for (OtaManifestMessage.Chunk c : m.chunks()) {
      d.update(c.sha256());
      d.update(b.clear().putInt(c.size()).array(), 0, 4);
    }
    for (OtaManifestMessage.File f : m.files()) {
      byte[] path = f.path().getBytes(StandardCharsets.UTF_8);
      d.update(b.clear().putInt(path.length).array(), 0, 4);
      d.update(path);
      d.update(b.clear().putLong(f.size()).array(), 0, 8);
      d.update(f.sha256());
      d.update(b.clear().putInt(f.chunks().size()).array(), 0, 4);
      for (int i : f.chunks()) {
        d.update(b.clear().putInt(i).array(), 0, 4);
      }
    }
    return d.digest();
  }

  /**
   * The patch that takes a pole on {@code base} to {@code next}: the base chunks {@code next} reuses
   * as runs, its other chunks as new ones, the files that are new or differ (content or mode), the
   * base's files it drops.
   */
  public static OtaPatchMessage make(OtaManifestMessage base, OtaManifestMessage next) {
    Map<String, Integer> inBase = new HashMap<>();
    for (int i = 0; i < base.chunks().size(); i++) {
      inBase.putIfAbsent(base.chunks().get(i).hex(), i);
    }
    List<OtaPatchMessage.Run> plan = new ArrayList<>();
    List<OtaManifestMessage.Chunk> fresh = new ArrayList<>();
    int start = -1;
    int baseCount = 0;
    int newCount = 0;
    for (OtaManifestMessage.Chunk c : next.chunks()) {
      Integer b = inBase.get(c.hex());
      if (b == null) {
        fresh.add(c);
        newCount++;
        continue;
      }
      if (newCount == 0 && baseCount > 0 && b == start + baseCount) {
        baseCount++;
        continue;
      }
      if (baseCount > 0 || newCount > 0) {
        plan.add(new OtaPatchMessage.Run(Math.max(start, 0), baseCount, newCount));
      }
      start = b;
      baseCount = 1;
      newCount = 0;
    }
    if (baseCount > 0 || newCount > 0) {
      plan.add(new OtaPatchMessage.Run(Math.max(start, 0), baseCount, newCount));
    }
    Map<String, OtaManifestMessage.File> baseFiles = new HashMap<>();
    base.files().forEach(f -> baseFiles.put(f.path(), f));
    List<OtaManifestMessage.File> files = new ArrayList<>();
    Set<String> kept = new HashSet<>();
    for (OtaManifestMessage.File f : next.files()) {
      OtaManifestMessage.File was = baseFiles.get(f.path());
      if (was != null && was.size() == f.size() && was.mode() == f.mode() && Arrays.equals(was.sha256(), f.sha256())) {
        kept.add(f.path());
      } else {
        files.add(f);
      }
    }
    List<String> removed = new ArrayList<>();
    Set<String> nextPaths = new HashSet<>();
    next.files().forEach(f -> nextPaths.add(f.path()));
    base.files().forEach(f -> {
      if (!nextPaths.contains(f.path())) {
        removed.add(f.path());
      }
    });
    return new OtaPatchMessage(next.version(), next.securityCounter(), next.target(), next.minJava(), next.expiresAt(), next.bundleSha256(),
        next.totalSize(), contentId(base), plan, fresh, files, removed, next.url());
  }

  /**
   * The full manifest {@code patch} stands for, on a pole whose running slot is {@code slot}.
   *
   * @throws NotOnBaseException if the slot is not the patch's base (or cannot be read as one)
   * @throws FrameFormatException if the patch does not expand to a manifest that holds
   */
  public static OtaManifestMessage expand(OtaPatchMessage patch, Path slot) throws NotOnBaseException, FrameFormatException {
    OtaManifestMessage base;
    try {
      base = Packer.describe(slot, new Packer.Release("base", 0, "", 0, 0, ""));
    } catch (IOException | RuntimeException e) {
      throw new NotOnBaseException("the running slot " + slot + " cannot be read as a release: " + e.getMessage());
    }
    if (!Arrays.equals(contentId(base), patch.baseId())) {
      throw new NotOnBaseException("the running slot is not the patch's base (" + java.util.HexFormat.of().formatHex(patch.baseId(), 0, 6)
          + "...)");
    }
    List<OtaManifestMessage.Chunk> chunks = new ArrayList<>();
    int next = 0;
    for (OtaPatchMessage.Run r : patch.plan()) {
      if (r.baseStart() + r.baseCount() > base.chunks().size()) {
        throw new FrameFormatException("the OTA patch takes base chunks " + r.baseStart() + ".." + (r.baseStart() + r.baseCount() - 1)
            + " but its base has " + base.chunks().size());
      }
      chunks.addAll(base.chunks().subList(r.baseStart(), r.baseStart() + r.baseCount()));
      chunks.addAll(patch.newChunks().subList(next, next + r.newCount()));
      next += r.newCount();
    }
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < chunks.size(); i++) {
      index.putIfAbsent(chunks.get(i).hex(), i);
    }
    Set<String> listed = new HashSet<>(patch.removed());
    patch.files().forEach(f -> listed.add(f.path()));
    List<OtaManifestMessage.File> files = new ArrayList<>(patch.files());
    for (OtaManifestMessage.File f : base.files()) {
      if (listed.contains(f.path())) {
        continue;
      }
      List<Integer> refs = new ArrayList<>(f.chunks().size());
      for (int c : f.chunks()) {
        Integer i = index.get(base.chunks().get(c).hex());
        if (i == null) {
          throw new FrameFormatException("the OTA patch keeps " + f.path() + " but drops a chunk of it");
        }
        refs.add(i);
      }
      files.add(new OtaManifestMessage.File(f.path(), f.mode(), f.size(), f.sha256(), refs));
    }
    files.sort(Comparator.comparing(OtaManifestMessage.File::path));
    OtaManifestMessage full = new OtaManifestMessage(patch.version(), patch.securityCounter(), patch.target(), patch.minJava(),
        patch.expiresAt(), patch.bundleSha256(), chunks, files, patch.url());
    OtaManifestMessage checked = OtaManifestMessage.parse(full.toBytes());
    if (checked.totalSize() != patch.totalSize()) {
      throw new FrameFormatException("the OTA patch expands to " + checked.totalSize() + " bytes of chunks, not the " + patch.totalSize()
          + " it states");
    }
    return checked;
  }
}

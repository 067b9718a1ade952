package io.mast.ota;

import io.mast.protocol.OtaManifestMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Makes a bundle's manifest and chunks from a directory (the pole's distribution): every regular
 * file, in path order, cut by {@link FastCdc}; each distinct chunk kept once. Symbolic links and
 * other special files are refused: a slot holds plain files. What a pole makes in its slot itself
 * ({@link #madeOnThePole}) is left out, so a pole packing its running slot gets its release back
 * ({@link Patches}).
 */
public final class Packer {
  /** What a directory packs into: the manifest (unsigned) and the distinct chunks in its order. */
  public record Packed(OtaManifestMessage manifest, List<byte[]> chunks) {
    public Packed {
      chunks = List.copyOf(chunks);
    }
  }

  /** The fields of a manifest that are not the files. */
  public record Release(String version, long securityCounter, String target, int minJava, long expiresAt, String url) {}

  private Packer() {}

  public static Packed pack(Path dir, Release release) throws IOException {
    return pack(dir, release, true);
  }

  /**
   * The manifest {@code dir} packs into, its chunks hashed and dropped as they are cut: what a pole
   * needs of its running slot to tell whether a patch's base is what it runs, without holding the
   * slot's every distinct chunk (the whole distribution) in its small heap.
   */
  public static OtaManifestMessage describe(Path dir, Release release) throws IOException {
    return pack(dir, release, false).manifest();
  }

  private static Packed pack(Path dir, Release release, boolean keepChunks) throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(dir)) {
      files = walk.filter(p -> !p.equals(dir)).sorted().toList();
    }
    Map<String, Integer> index = new LinkedHashMap<>();
    List<OtaManifestMessage.Chunk> chunks = new ArrayList<>();
    List<byte[]> data = new ArrayList<>();
    List<OtaManifestMessage.File> entries = new ArrayList<>();
    MessageDigest bundle = sha256();
    for (Path p : files) {
      if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      String rel = dir.relativize(p).toString().replace(java.io.File.separatorChar, '/');
      if (madeOnThePole(rel)) {
        continue;
      }
      if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
        throw new IOException(rel + " is not a regular file (a link or a device); a bundle holds plain files");
      }
      String bad = OtaManifestMessage.pathProblem(rel);
      if (bad != null) {
        throw new IOException(rel + ": " + bad);
      }
      byte[] content = Files.readAllBytes(p);
      List<Integer> refs = new ArrayList<>();
      for (byte[] piece : FastCdc.pieces(content)) {
        byte[] hash = sha256().digest(piece);
        String key = HexFormat.of().formatHex(hash);
        Integer i = index.get(key);
        if (i == null) {
          i = chunks.size();
          index.put(key, i);
          chunks.add(new OtaManifestMessage.Chunk(hash, piece.length));
          if (keepChunks) {
            data.add(piece);
          }
          bundle.update(piece);
        }
        refs.add(i);
      }
      entries.add(new OtaManifestMessage.File(rel, mode(p), content.length, sha256().digest(content), refs));
    }
    if (entries.isEmpty()) {
      throw new IOException(dir + " holds no files to pack");
    }
    OtaManifestMessage m = new OtaManifestMessage(release.version(), release.securityCounter(), release.target(), release.minJava(),
        release.expiresAt(), bundle.digest(), chunks, entries, release.url());
    OtaManifestMessage.parse(m.toBytes()); // what a pole will check, checked here first
    return new Packed(m, data);
  }

  /**
   * Whether a slot's file is one the pole makes itself after installing (the class-data archive
   * {@code mast.jsa}, its log and markers): never shipped, never part of a release's content.
   */
  public static boolean madeOnThePole(String relativePath) {
    return relativePath.equals("mast.jsa") || relativePath.startsWith("mast.jsa.");
  }

  /**
   * The chunk bytes a pole that holds {@code base}'s chunks fetches for {@code next} (the
   * manifest itself aside).
   */
  public static long bytesToFetch(OtaManifestMessage next, OtaManifestMessage base) {
    Set<String> have = new java.util.HashSet<>();
    if (base != null) {
      base.chunks().forEach(c -> have.add(c.hex()));
    }
    return next.chunks().stream().filter(c -> !have.contains(c.hex())).mapToLong(OtaManifestMessage.Chunk::size).sum();
  }

  private static int mode(Path p) throws IOException {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
      int mode = 0;
      for (PosixFilePermission perm : perms) {
        mode |= 1 << (8 - perm.ordinal());
      }
      return mode;
    } catch (UnsupportedOperationException e) {
      return Files.isExecutable(p) ? 0755 : 0644;
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}

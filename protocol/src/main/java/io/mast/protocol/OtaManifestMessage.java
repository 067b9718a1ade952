package io.mast.protocol;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.mast.protocol.internal.pb.OtaFile;
import io.mast.protocol.internal.pb.OtaManifest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What an OTA bundle is (the payload of an {@link SignedControl.Type#OTA_MANIFEST} envelope,
 * topic {@code o}), format 1: the version, the monotonic security counter, the target board and
 * lowest Java, each distinct content-defined chunk (SHA-256 and length) once, and each file as
 * its path, mode, size, SHA-256 and list of chunks. {@code bundleSha256} (the SHA-256 of every
 * distinct chunk in order) names the bundle in chunk requests and data. Immutable.
 *
 * <p>{@link #parse} checks everything a pole relies on before it trusts a single number: the
 * format, list lengths that agree, 32-byte hashes, chunk lengths within 1 and
 * {@value #MAX_CHUNK_BYTES}, chunk indexes in range, each file's size equal to its chunks', safe
 * relative paths (no "..", no leading "/", no duplicates), bounded counts.
 */
public record OtaManifestMessage(String version, long securityCounter, String target, int minJava, long expiresAt,
    byte[] bundleSha256, List<Chunk> chunks, List<File> files, String url) {
  public static final int FORMAT = 1;
  public static final int MAX_CHUNK_BYTES = 64 * 1024;
  public static final int MAX_CHUNKS = 16_384;
  public static final int MAX_FILES = 4096;
  /** The largest signed manifest envelope a pole takes (a 16,384-chunk manifest is about 600 KB: 256 KiB bounds a 100 MB bundle). */
  public static final int MAX_ENVELOPE_BYTES = 256 * 1024;

  /** A distinct chunk: its SHA-256 and length. */
  public record Chunk(byte[] sha256, int size) {
    public Chunk {
      sha256 = sha256.clone();
    }

    @Override
    public byte[] sha256() {
      return sha256.clone();
    }

    /** The hash as lowercase hex, the chunk's name in stores and indexes. */
    public String hex() {
      return java.util.HexFormat.of().formatHex(sha256);
    }
  }

  /** A file the bundle installs: its chunks are indexes into {@link #chunks()}. */
  public record File(String path, int mode, long size, byte[] sha256, List<Integer> chunks) {
    public File {
      sha256 = sha256.clone();
      chunks = List.copyOf(chunks);
    }

    @Override
    public byte[] sha256() {
      return sha256.clone();
    }
  }

  public OtaManifestMessage {
    bundleSha256 = bundleSha256.clone();
    chunks = List.copyOf(chunks);
    files = List.copyOf(files);
    url = url == null ? "" : url;
  }

  @Override
  public byte[] bundleSha256() {
    return bundleSha256.clone();
  }

  /** Bytes of every distinct chunk: what a pole with none of them fetches. */
  public long totalSize() {
    return chunks.stream().mapToLong(Chunk::size).sum();
  }

  public byte[] toBytes() {
    OtaManifest.Builder b = OtaManifest.newBuilder().setVersion(version).setSecurityCounter(securityCounter).setTarget(target)
        .setMinJava(minJava).setExpiresAt(expiresAt).setTotalSize(totalSize()).setSha256(ByteString.copyFrom(bundleSha256))
        .setFormat(FORMAT).setUrl(url);
    return addBody(b, chunks, files).build().toByteArray();
  }

  /** Adds {@code chunks} (hash and length each) and {@code files} to a manifest being written: a full one's or a patch's. */
  static OtaManifest.Builder addBody(OtaManifest.Builder b, List<Chunk> chunks, List<File> files) {
    for (Chunk c : chunks) {
      b.addChunkSha256(ByteString.copyFrom(c.sha256)).addChunkSizes(c.size());
    }
    for (File f : files) {
      b.addFiles(OtaFile.newBuilder().setPath(f.path()).setMode(f.mode()).setSize(f.size()).setSha256(ByteString.copyFrom(f.sha256))
          .addAllChunks(f.chunks()));
    }
    return b;
  }

  /** The version's problem (1 to 64 printable ASCII characters without spaces), or null. */
  static String versionProblem(String version) {
    if (version.isEmpty() || version.length() > 64 || version.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
      return "version '" + SignedControl.shown(version) + "' must be 1 to 64 printable ASCII characters without spaces";
    }
    return null;
  }

  /** The chunks {@code m} lists, each checked (a 32-byte hash, 1 to {@value #MAX_CHUNK_BYTES} bytes); problems added to {@code problems}. */
  static List<Chunk> readChunks(OtaManifest m, List<String> problems, String what) {
    int n = m.getChunkSha256Count();
    if (n != m.getChunkSizesCount()) {
      problems.add(n + " chunk hashes but " + m.getChunkSizesCount() + " chunk sizes");
    }
    List<Chunk> chunks = new ArrayList<>();
    for (int i = 0; i < Math.min(n, m.getChunkSizesCount()) && problems.size() < 20; i++) {
      int size = m.getChunkSizes(i);
      if (m.getChunkSha256(i).size() != 32 || size < 1 || size > MAX_CHUNK_BYTES) {
        problems.add(what + " " + i + ": a " + m.getChunkSha256(i).size() + "-byte hash and " + Integer.toUnsignedString(size)
            + " bytes (32 and 1.." + MAX_CHUNK_BYTES + " expected)");
      } else {
        chunks.add(new Chunk(m.getChunkSha256(i).toByteArray(), size));
      }
    }
    return chunks;
  }

  /** Parses and checks a manifest (already verified as signed); every problem found at once. */
  public static OtaManifestMessage parse(byte[] payload) throws FrameFormatException {
    OtaManifest m;
    try {
      m = OtaManifest.parseFrom(payload);
    } catch (InvalidProtocolBufferException e) {
      throw new FrameFormatException("not an OTA manifest: " + e.getMessage());
    }
    List<String> problems = new ArrayList<>();
    if (m.getFormat() != FORMAT) {
      problems.add("format " + m.getFormat() + " is not the format " + FORMAT + " this pole reads (content-defined chunks)");
    }
    String version = versionProblem(m.getVersion());
    if (version != null) {
      problems.add(version);
    }
    if (m.getSha256().size() != 32) {
      problems.add("the bundle hash has " + m.getSha256().size() + " bytes, not 32");
    }
    int n = m.getChunkSha256Count();
    if (n > MAX_CHUNKS || m.getFilesCount() > MAX_FILES) {
      problems.add(n + " chunks and " + m.getFilesCount() + " files: at most " + MAX_CHUNKS + " and " + MAX_FILES);
    }
    List<Chunk> chunks = readChunks(m, problems, "chunk");
    long total = chunks.stream().mapToLong(Chunk::size).sum();
    if (problems.isEmpty() && m.getTotalSize() != total) {
      problems.add("total size " + m.getTotalSize() + " is not the chunks' " + total);
    }
    List<File> files = new ArrayList<>();
    Set<String> paths = new HashSet<>();
    for (OtaFile f : m.getFilesList()) {
      if (problems.size() >= 20) {
        break;
      }
      String why = pathProblem(f.getPath());
      if (why != null) {
        problems.add("file '" + f.getPath() + "': " + why);
        continue;
      }
      if (!paths.add(f.getPath())) {
        problems.add("file '" + f.getPath() + "' is listed twice");
      }
      long size = 0;
      boolean ok = f.getSha256().size() == 32 && (f.getMode() & ~0777) == 0;
      for (int c : f.getChunksList()) {
        if (c < 0 || c >= chunks.size()) {
          ok = false;
          break;
        }
        size += chunks.get(c).size();
      }
      if (!ok || size != f.getSize()) {
        problems.add("file '" + f.getPath() + "': its hash, mode (" + Integer.toOctalString(f.getMode()) + "), chunk indexes or size ("
            + f.getSize() + " against its chunks' " + size + ") do not hold");
        continue;
      }
      files.add(new File(f.getPath(), f.getMode(), f.getSize(), f.getSha256().toByteArray(), f.getChunksList()));
    }
    if (!problems.isEmpty()) {
      throw new FrameFormatException("the OTA manifest does not hold: " + String.join("; ", problems));
    }
    return new OtaManifestMessage(m.getVersion(), m.getSecurityCounter(), m.getTarget(), m.getMinJava(), m.getExpiresAt(),
        m.getSha256().toByteArray(), chunks, files, m.getUrl());
  }

  /** Why {@code path} may not be installed (it must stay inside the slot), or null. */
  public static String pathProblem(String path) {
    if (path.isEmpty() || path.length() > 255) {
      return "a path has 1 to 255 characters";
    }
    if (path.startsWith("/") || path.contains("\\") || path.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      return "a path is relative, '/'-separated, without control characters";
    }
    for (String part : path.split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        return "a path has no empty, '.' or '..' parts";
      }
    }
    return null;
  }
}

package io.mast.ota;

import io.mast.protocol.OtaManifestMessage;
import io.mast.seams.DurableFiles;
import io.mast.seams.TwoSlotFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The chunks of one bundle on their way to a pole, resumable for days across link drops and
 * power cuts. Chunk {@code i} has its place at a fixed offset of one data file (the chunks back
 * to back, in the manifest's order); which places hold a verified chunk is a bitmap in a
 * {@link TwoSlotFile}.
 *
 * <pre>
 * DIR/chunks.data     every chunk at its offset; the holes are chunks not yet here
 * DIR/chunks.state    two-slot file, magic "MOTA": the bundle's SHA-256 (32 bytes), then the bitmap
 * </pre>
 *
 * <p><b>Commit protocol</b> ({@link #checkpoint}): the data file is forced first, then the bitmap
 * is written (and forced) in the other slot: a chunk is marked only once its bytes are on flash,
 * so after a power cut the bitmap never claims a chunk the file lacks; chunks taken since the
 * last checkpoint are fetched again. A checkpoint every {@value #CHECKPOINT_CHUNKS} chunks bounds
 * the fsyncs (the caller adds one on a timer). A state file of another bundle starts the
 * download again. The data file's own entry is synced into the directory when it is made. And
 * {@link #open} trusts no claim it can check: each chunk the bitmap names is read and hashed,
 * and one that does not match (bit rot, a data file a power cut took or tore) is fetched again
 * ({@link #droppedAtOpen()}).
 *
 * <p><b>Every chunk is checked on arrival</b> against the manifest's SHA-256 and length before a
 * byte of it is written; a bad one is refused and counted ({@link #refused()}), and asked again.
 *
 * <p><b>Chunks already on the pole</b> ({@link #seedFrom}): the installed version's files are cut
 * the same way, and every chunk the new bundle shares with them is copied locally and never
 * downloaded.
 *
 * <p>Not thread safe: one agent thread owns a download.
 */
public final class Download implements AutoCloseable {
  /** Chunks taken between two checkpoints at most. */
  public static final int CHECKPOINT_CHUNKS = 32;
  private static final int MAGIC = 0x4d4f5441; // "MOTA"

  private final OtaManifestMessage manifest;
  private final DurableFiles files;
  private final DurableFiles.DurableFile data;
  private final TwoSlotFile state;
  private final long[] offsets;
  private final BitSet have;
  private int sinceCheckpoint;
  private long refused;
  private int droppedAtOpen;

  private Download(OtaManifestMessage manifest, DurableFiles files, DurableFiles.DurableFile data, TwoSlotFile state, BitSet have) {
    this.manifest = manifest;
    this.files = files;
    this.data = data;
    this.state = state;
    this.have = have;
    this.offsets = new long[manifest.chunks().size() + 1];
    for (int i = 0; i < manifest.chunks().size(); i++) {
      offsets[i + 1] = offsets[i] + manifest.chunks().get(i).size();
    }
  }

  /** Opens (or starts) the download of {@code manifest}'s bundle in {@code dir}. */
  public static Download open(Path dir, OtaManifestMessage manifest, DurableFiles files) throws IOException {
    files.createDirectories(dir);
    int bitmapBytes = (manifest.chunks().size() + 7) / 8;
    TwoSlotFile state = TwoSlotFile.open(files, dir.resolve("chunks.state"), MAGIC, 64 + bitmapBytes);
    BitSet have = new BitSet();
    TwoSlotFile.Read r = state.opened();
    if (!r.empty() && r.payload().length >= 32 && Arrays.equals(Arrays.copyOf(r.payload(), 32), manifest.bundleSha256())) {
      have = BitSet.valueOf(Arrays.copyOfRange(r.payload(), 32, r.payload().length));
      have.clear(manifest.chunks().size(), Math.max(manifest.chunks().size(), have.length()));
    }
    boolean fresh = !files.exists(dir.resolve("chunks.data"));
    DurableFiles.DurableFile data = files.open(dir.resolve("chunks.data"));
    if (fresh) {
      // the data file's entry on the disk before any checkpoint names chunks in it: found by the power-cut loop, where a
      // cut left the bitmap (whose file was synced into the directory) without the file its chunks were in
      files.syncDirectory(dir);
    }
    Download d = new Download(manifest, files, data, state, have);
    d.verifyClaims();
    return d;
  }

  /** Clears every chunk the bitmap claims whose bytes in the data file do not match the manifest. */
  private void verifyClaims() throws IOException {
    for (int i = have.nextSetBit(0); i >= 0; i = have.nextSetBit(i + 1)) {
      byte[] bytes = readChunk(i);
      if (bytes == null || !MessageDigest.isEqual(Packer.sha256().digest(bytes), manifest.chunks().get(i).sha256())) {
        have.clear(i);
        droppedAtOpen++;
      }
    }
    if (droppedAtOpen > 0) {
      sinceCheckpoint++; // the next checkpoint writes the corrected bitmap
    }
  }

  /** Chunk {@code i}'s bytes from its place in the data file, or null when the file ends inside it. */
  private byte[] readChunk(int i) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(manifest.chunks().get(i).size());
    while (b.hasRemaining()) {
      if (data.read(b, offsets[i] + b.position()) < 0) {
        return null;
      }
    }
    return b.array();
  }

  /** Chunks the bitmap claimed at open whose bytes did not match (and are fetched again). */
  public int droppedAtOpen() {
    return droppedAtOpen;
  }

  public OtaManifestMessage manifest() {
    return manifest;
  }

  /** Whether chunk {@code i} is here (verified, and on flash as of the last checkpoint or since). */
  public boolean has(int i) {
    return have.get(i);
  }

  /** Chunks still missing. */
  public int missing() {
    return manifest.chunks().size() - have.cardinality();
  }

  /** Bytes still missing. */
  public long missingBytes() {
    long n = 0;
    for (int i = have.nextClearBit(0); i < manifest.chunks().size(); i = have.nextClearBit(i + 1)) {
      n += manifest.chunks().get(i).size();
    }
    return n;
  }

  /** Up to {@code max} missing chunk indexes, lowest first, none of {@code except} (those in flight). */
  public List<Integer> next(int max, java.util.Set<Integer> except) {
    List<Integer> out = new ArrayList<>();
    for (int i = have.nextClearBit(0); i < manifest.chunks().size() && out.size() < max; i = have.nextClearBit(i + 1)) {
      if (!except.contains(i)) {
        out.add(i);
      }
    }
    return out;
  }

  /** Chunks refused on arrival (a wrong length or hash, an index out of range). */
  public long refused() {
    return refused;
  }

  /**
   * Takes chunk {@code index} if it is the manifest's: checked before a byte is written; returns
   * why it was refused, or null when taken (or already here). A checkpoint follows every
   * {@value #CHECKPOINT_CHUNKS} chunks taken.
   */
  public String accept(int index, byte[] bytes) throws IOException {
    if (index < 0 || index >= manifest.chunks().size()) {
      refused++;
      return "chunk " + index + " is not in this bundle (it has " + manifest.chunks().size() + ")";
    }
    if (have.get(index)) {
      return null;
    }
    OtaManifestMessage.Chunk c = manifest.chunks().get(index);
    if (bytes.length != c.size() || !MessageDigest.isEqual(Packer.sha256().digest(bytes), c.sha256())) {
      refused++;
      return "chunk " + index + " does not match the signed manifest (" + bytes.length + " bytes, " + c.size() + " expected)";
    }
    data.write(ByteBuffer.wrap(bytes), offsets[index]);
    have.set(index);
    if (++sinceCheckpoint >= CHECKPOINT_CHUNKS) {
      checkpoint();
    }
    return null;
  }

  /** Forces the chunks taken so far, then records them in the bitmap (the commit protocol above). */
  public void checkpoint() throws IOException {
    if (sinceCheckpoint == 0 && !state.opened().empty()) {
      return;
    }
    data.force();
    byte[] bits = have.toByteArray();
    byte[] payload = Arrays.copyOf(manifest.bundleSha256(), 32 + (manifest.chunks().size() + 7) / 8);
    System.arraycopy(bits, 0, payload, 32, bits.length);
    state.write(1, payload);
    sinceCheckpoint = 0;
  }

  /**
   * Copies every chunk this bundle shares with the files under {@code installed} (the running
   * slot) into place, cut and hashed as the packer cuts them; returns how many. Nothing goes over
   * the link for those.
   */
  public int seedFrom(Path installed) throws IOException {
    Map<String, Integer> wanted = new HashMap<>();
    for (int i = have.nextClearBit(0); i < manifest.chunks().size(); i = have.nextClearBit(i + 1)) {
      wanted.putIfAbsent(manifest.chunks().get(i).hex(), i);
    }
    int seeded = 0;
    if (!Files.isDirectory(installed) || wanted.isEmpty()) {
      return 0;
    }
    List<Path> all;
    try (var walk = Files.walk(installed)) {
      all = walk.filter(Files::isRegularFile).sorted().toList();
    }
    for (Path p : all) {
      for (byte[] piece : FastCdc.pieces(Files.readAllBytes(p))) {
        Integer i = wanted.remove(HexFormat.of().formatHex(Packer.sha256().digest(piece)));
        if (i != null && accept(i, piece) == null) {
          seeded++;
        }
      }
    }
    checkpoint();
    return seeded;
  }

  /**
   * Writes every file of the bundle under {@code target} from the chunks (all must be here),
   * with its mode, checks each file's SHA-256 after writing it, forces each file and the
   * directories: the staging step of an install.
   *
   * @throws IOException naming the first file that does not hold
   */
  public void assemble(Path target) throws IOException {
    if (missing() > 0) {
      throw new IOException(missing() + " chunks are still missing; nothing staged");
    }
    checkpoint();
    for (OtaManifestMessage.File f : manifest.files()) {
      Path out = target.resolve(f.path()).normalize();
      if (!out.startsWith(target.normalize())) {
        throw new IOException(f.path() + " would leave the slot; nothing more staged");
      }
      files.createDirectories(out.getParent());
      MessageDigest sha = Packer.sha256();
      files.deleteIfExists(out);
      try (DurableFiles.DurableFile o = files.open(out)) {
        long pos = 0;
        for (int i : f.chunks()) {
          byte[] bytes = readChunk(i);
          if (bytes == null) {
            throw new IOException("the download file ends inside chunk " + i);
          }
          sha.update(bytes);
          o.write(ByteBuffer.wrap(bytes), pos);
          pos += bytes.length;
        }
        o.force();
      }
      if (!MessageDigest.isEqual(sha.digest(), f.sha256())) {
        throw new IOException(f.path() + " does not match its SHA-256 after writing; nothing more staged");
      }
      try {
        Files.setPosixFilePermissions(out, permissions(f.mode()));
      } catch (UnsupportedOperationException e) {
        // a file system without POSIX modes: the bytes are what matters
      }
      files.syncDirectory(out.getParent());
    }
  }

  private static java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions(int mode) {
    java.util.Set<java.nio.file.attribute.PosixFilePermission> out = java.util.EnumSet.noneOf(java.nio.file.attribute.PosixFilePermission.class);
    java.nio.file.attribute.PosixFilePermission[] all = java.nio.file.attribute.PosixFilePermission.values();
    for (int i = 0; i < 9; i++) {
      if ((mode & (1 << (8 - i))) != 0) {
        out.add(all[i]);
      }
    }
    return out;
  }

  @Override
  public void close() throws IOException {
    try {
      data.close();
    } finally {
      state.close();
    }
  }
}

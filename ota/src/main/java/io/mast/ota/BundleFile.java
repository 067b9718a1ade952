package io.mast.ota;

import io.mast.protocol.OtaManifestMessage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;

/**
 * An OTA bundle as one file, what {@code mast ota pack} writes and {@code mast ota publish}
 * serves:
 *
 * <pre>
 * "MASTOTA1"                    8 bytes
 * envelope length               4 bytes, big-endian
 * envelope                      the SignedEnvelope of OTA_MANIFEST (its payload an OtaManifestMessage)
 * chunk 0, chunk 1, ...         each distinct chunk once, in the manifest's order, back to back
 * </pre>
 *
 * The file is only a carrier: a pole trusts the manifest for its signature and each chunk for
 * its hash in the manifest, never the file. Reading it here does not verify the signature
 * (the pole's verifier does); it checks the structure and that the file holds every chunk.
 */
public final class BundleFile implements AutoCloseable {
  static final byte[] MAGIC = "MASTOTA1".getBytes(StandardCharsets.US_ASCII);

  private final FileChannel channel;
  private final byte[] envelope;
  private final OtaManifestMessage manifest;
  private final long[] offsets;

  private BundleFile(FileChannel channel, byte[] envelope, OtaManifestMessage manifest, long[] offsets) {
    this.channel = channel;
    this.envelope = envelope;
    this.manifest = manifest;
    this.offsets = offsets;
  }

  /** Writes a bundle: the signed envelope, then the chunks in the manifest's order. */
  public static void write(Path out, byte[] envelope, List<byte[]> chunks) throws IOException {
    Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
    try (OutputStream o = new java.io.BufferedOutputStream(Files.newOutputStream(tmp))) {
      o.write(MAGIC);
      o.write(ByteBuffer.allocate(4).putInt(envelope.length).array());
      o.write(envelope);
      for (byte[] c : chunks) {
        o.write(c);
      }
    }
    Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * Opens a bundle file; {@code payloadOf} takes the manifest out of the envelope (unverified
   * for a tool, verified on a pole).
   *
   * @throws IOException naming what is wrong: not a bundle, truncated, oversized, a bad manifest
   */
  public static BundleFile open(Path file, ManifestReader payloadOf) throws IOException {
    FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
    try {
      ByteBuffer head = ByteBuffer.allocate(12);
      readFully(ch, head, 0);
      if (head.position() < 12 || !Arrays.equals(Arrays.copyOf(head.array(), 8), MAGIC)) {
        throw new IOException(file + " is not an OTA bundle (no MASTOTA1 header)");
      }
      int length = head.getInt(8);
      if (length <= 0 || length > OtaManifestMessage.MAX_ENVELOPE_BYTES) {
        throw new IOException(file + ": a manifest of " + length + " bytes (1.." + OtaManifestMessage.MAX_ENVELOPE_BYTES + ")");
      }
      ByteBuffer env = ByteBuffer.allocate(length);
      readFully(ch, env, 12);
      if (env.hasRemaining()) {
        throw new IOException(file + " is truncated inside its manifest");
      }
      OtaManifestMessage m = payloadOf.manifest(env.array());
      long[] offsets = new long[m.chunks().size() + 1];
      offsets[0] = 12L + length;
      for (int i = 0; i < m.chunks().size(); i++) {
        offsets[i + 1] = offsets[i] + m.chunks().get(i).size();
      }
      long size = ch.size();
      if (size != offsets[offsets.length - 1]) {
        throw new IOException(file + " holds " + size + " bytes; its manifest says " + offsets[offsets.length - 1]
            + (size < offsets[offsets.length - 1] ? " (truncated)" : " (oversized)"));
      }
      return new BundleFile(ch, env.array(), m, offsets);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** How a manifest is taken out of its envelope. */
  public interface ManifestReader {
    OtaManifestMessage manifest(byte[] envelope) throws IOException;
  }

  public byte[] envelope() {
    return envelope.clone();
  }

  public OtaManifestMessage manifest() {
    return manifest;
  }

  /** The bytes of chunk {@code index}, as stored (the caller checks the hash where it matters). */
  public byte[] chunk(int index) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(manifest.chunks().get(index).size());
    readFully(channel, b, offsets[index]);
    return b.array();
  }

  private static void readFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
    long pos = at;
    while (b.hasRemaining()) {
      int n = ch.read(b, pos);
      if (n < 0) {
        break;
      }
      pos += n;
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}

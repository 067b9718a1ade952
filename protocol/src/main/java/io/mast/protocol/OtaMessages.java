package io.mast.protocol;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.mast.protocol.internal.pb.OtaChunkData;
import io.mast.protocol.internal.pb.OtaChunkRequest;
import io.mast.protocol.internal.pb.OtaStatus;
import java.util.List;

/**
 * The OTA download's messages besides the manifest: a chunk request ({@code oc}, pole to
 * platform), a chunk ({@code od}, platform to pole; trusted only through its hash in the signed
 * manifest) and the pole's progress and outcome ({@code os}). Immutable.
 */
public final class OtaMessages {
  /** Chunks one request may ask for. */
  public static final int MAX_REQUESTED = 64;

  private OtaMessages() {}

  public record ChunkRequest(byte[] bundleSha256, List<Integer> chunks) {
    public ChunkRequest {
      bundleSha256 = bundleSha256.clone();
      chunks = List.copyOf(chunks);
    }

    @Override
    public byte[] bundleSha256() {
      return bundleSha256.clone();
    }

    public byte[] toBytes() {
      return OtaChunkRequest.newBuilder().setBundleSha256(ByteString.copyFrom(bundleSha256)).addAllChunks(chunks).build().toByteArray();
    }

    public static ChunkRequest parse(byte[] payload) throws FrameFormatException {
      try {
        OtaChunkRequest r = OtaChunkRequest.parseFrom(payload);
        if (r.getBundleSha256().size() != 32 || r.getChunksCount() == 0 || r.getChunksCount() > MAX_REQUESTED) {
          throw new FrameFormatException("a chunk request names a 32-byte bundle and 1 to " + MAX_REQUESTED + " chunks");
        }
        return new ChunkRequest(r.getBundleSha256().toByteArray(), r.getChunksList());
      } catch (InvalidProtocolBufferException e) {
        throw new FrameFormatException("not a chunk request: " + e.getMessage());
      }
    }
  }

  public record ChunkData(byte[] bundleSha256, int index, byte[] data) {
    public ChunkData {
      bundleSha256 = bundleSha256.clone();
      data = data.clone();
    }

    @Override
    public byte[] bundleSha256() {
      return bundleSha256.clone();
    }

    @Override
    public byte[] data() {
      return data.clone();
    }

    public byte[] toBytes() {
      return OtaChunkData.newBuilder().setBundleSha256(ByteString.copyFrom(bundleSha256)).setIndex(index)
          .setData(ByteString.copyFrom(data)).build().toByteArray();
    }

    public static ChunkData parse(byte[] payload) throws FrameFormatException {
      try {
        OtaChunkData d = OtaChunkData.parseFrom(payload);
        if (d.getBundleSha256().size() != 32 || d.getData().size() > OtaManifestMessage.MAX_CHUNK_BYTES) {
          throw new FrameFormatException("a chunk names a 32-byte bundle and carries at most " + OtaManifestMessage.MAX_CHUNK_BYTES + " bytes");
        }
        return new ChunkData(d.getBundleSha256().toByteArray(), d.getIndex(), d.getData().toByteArray());
      } catch (InvalidProtocolBufferException e) {
        throw new FrameFormatException("not a chunk: " + e.getMessage());
      }
    }
  }

  /** What the pole says of an update. */
  /** {@code WANTS_FULL}: a patch offer ({@link OtaPatchMessage}) for a base the pole does not run; the platform offers it the full manifest. */
  public enum State { OFFERED, DOWNLOADING, VERIFIED, INSTALLED, COMMITTED, ROLLED_BACK, REFUSED, WANTS_FULL }

  public record Status(String version, State state, int chunksDone, int chunksTotal, String detail) {
    public Status {
      version = version == null ? "" : version;
      detail = detail == null ? "" : detail;
    }

    public byte[] toBytes() {
      return OtaStatus.newBuilder().setVersion(version).setState(OtaStatus.State.forNumber(state.ordinal() + 1))
          .setChunksDone(chunksDone).setChunksTotal(chunksTotal).setDetail(detail).build().toByteArray();
    }

    public static Status parse(byte[] payload) throws FrameFormatException {
      try {
        OtaStatus s = OtaStatus.parseFrom(payload);
        int n = s.getStateValue();
        if (n < 1 || n > State.values().length) {
          throw new FrameFormatException("OTA status state " + n + " is not one of " + List.of(State.values()));
        }
        return new Status(s.getVersion(), State.values()[n - 1], s.getChunksDone(), s.getChunksTotal(), s.getDetail());
      } catch (InvalidProtocolBufferException e) {
        throw new FrameFormatException("not an OTA status: " + e.getMessage());
      }
    }

    @Override
    public String toString() {
      return version + " " + state + (chunksTotal > 0 ? " " + chunksDone + "/" + chunksTotal : "") + (detail.isEmpty() ? "" : ": " + detail);
    }
  }
}

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
 * An OTA offer as a patch against a base (format {@value #FORMAT} of the manifest, in the same
 * signed {@link SignedControl.Type#OTA_MANIFEST} envelope): it names only what a pole running the
 * base lacks. The base is named by its content id (the ota module's {@code Patches.contentId}: its
 * chunks and files, which a pole works out from its running slot); the bundle's chunk list is
 * built by {@link #plan()} from the base's chunks and the {@link #newChunks()}; the files listed
 * are the new and changed ones (chunk indexes into the bundle's list), every other file of the
 * base is kept unless {@link #removed()} names it. A pole on the base expands it to the full
 * {@link OtaManifestMessage} (same bundle hash, same chunk indexes) and downloads that; a pole not
 * on it answers {@link OtaMessages.State#WANTS_FULL}.
 *
 * <p>{@link #parse} checks what can be checked without the base: the format, a 32-byte base id and
 * bundle hash, triples that add up, new chunks as in a manifest, file indexes within the bundle's
 * chunk count, safe paths, bounded counts. The expansion checks the rest.
 */
public record OtaPatchMessage(String version, long securityCounter, String target, int minJava, long expiresAt,
    byte[] bundleSha256, long totalSize, byte[] baseId, List<Run> plan, List<OtaManifestMessage.Chunk> newChunks,
    List<OtaManifestMessage.File> files, List<String> removed, String url) {
  public static final int FORMAT = 2;

  /** {@code baseCount} chunks of the base from {@code baseStart}, then the next {@code newCount} new chunks. */
  public record Run(int baseStart, int baseCount, int newCount) {}

  public OtaPatchMessage {
    bundleSha256 = bundleSha256.clone();
    baseId = baseId.clone();
    plan = List.copyOf(plan);
    newChunks = List.copyOf(newChunks);
    files = List.copyOf(files);
    removed = List.copyOf(removed);
    url = url == null ? "" : url;
  }

  @Override
  public byte[] bundleSha256() {
    return bundleSha256.clone();
  }

  @Override
  public byte[] baseId() {
    return baseId.clone();
  }

  /** How many chunks the bundle has: every run's base and new chunks. */
  public int chunkCount() {
    return plan.stream().mapToInt(r -> r.baseCount() + r.newCount()).sum();
  }

  /** Bytes of the chunks new to the base: what a pole on the base fetches besides this message. */
  public long newBytes() {
    return newChunks.stream().mapToLong(OtaManifestMessage.Chunk::size).sum();
  }

  /** Whether a verified manifest payload is a patch (format {@value #FORMAT}) rather than a full manifest. */
  public static boolean isPatch(byte[] payload) {
    try {
      return OtaManifest.parseFrom(payload).getFormat() == FORMAT;
    } catch (InvalidProtocolBufferException e) {
      return false;
    }
  }

  public byte[] toBytes() {
    OtaManifest.Builder b = OtaManifest.newBuilder().setVersion(version).setSecurityCounter(securityCounter).setTarget(target)
        .setMinJava(minJava).setExpiresAt(expiresAt).setTotalSize(totalSize).setSha256(ByteString.copyFrom(bundleSha256))
        .setFormat(FORMAT).setUrl(url).setBaseId(ByteString.copyFrom(baseId)).addAllRemoved(removed);
    for (Run r : plan) {
      b.addPlan(r.baseStart()).addPlan(r.baseCount()).addPlan(r.newCount());
    }
    return OtaManifestMessage.addBody(b, newChunks, files).build().toByteArray();
  }

  /** Parses and checks a patch (already verified as signed); every problem found at once. */
  public static OtaPatchMessage parse(byte[] payload) throws FrameFormatException {
    OtaManifest m;
    try {
      m = OtaManifest.parseFrom(payload);
    } catch (InvalidProtocolBufferException e) {
      throw new FrameFormatException("not an OTA patch: " + e.getMessage());
    }
    List<String> problems = new ArrayList<>();
    if (m.getFormat() != FORMAT) {
      problems.add("format " + m.getFormat() + " is not a patch (format " + FORMAT + ")");
    }
    String version = OtaManifestMessage.versionProblem(m.getVersion());
    if (version != null) {
      problems.add(version);
    }
    if (m.getSha256().size() != 32 || m.getBaseId().size() != 32) {
      problems.add("the bundle hash and the base id have " + m.getSha256().size() + " and " + m.getBaseId().size() + " bytes, not 32");
    }
    if (m.getPlanCount() % 3 != 0 || m.getPlanCount() / 3 > OtaManifestMessage.MAX_CHUNKS || m.getFilesCount() > OtaManifestMessage.MAX_FILES
        || m.getRemovedCount() > OtaManifestMessage.MAX_FILES) {
      problems.add("a plan of " + m.getPlanCount() + " numbers (triples, at most " + OtaManifestMessage.MAX_CHUNKS + "), " + m.getFilesCount()
          + " files and " + m.getRemovedCount() + " removed (at most " + OtaManifestMessage.MAX_FILES + " each)");
    }
    List<OtaManifestMessage.Chunk> chunks = OtaManifestMessage.readChunks(m, problems, "new chunk");
    List<Run> plan = new ArrayList<>();
    long total = 0;
    long fresh = 0;
    for (int i = 0; i + 2 < m.getPlanCount() && problems.isEmpty(); i += 3) {
      long start = Integer.toUnsignedLong(m.getPlan(i));
      long base = Integer.toUnsignedLong(m.getPlan(i + 1));
      long added = Integer.toUnsignedLong(m.getPlan(i + 2));
      total += base + added;
      fresh += added;
      if (start + base > OtaManifestMessage.MAX_CHUNKS || total > OtaManifestMessage.MAX_CHUNKS) {
        problems.add("the plan reaches past " + OtaManifestMessage.MAX_CHUNKS + " chunks");
        break;
      }
      plan.add(new Run((int) start, (int) base, (int) added));
    }
    if (problems.isEmpty() && fresh != chunks.size()) {
      problems.add("the plan takes " + fresh + " new chunks but the patch has " + chunks.size());
    }
    List<OtaManifestMessage.File> files = new ArrayList<>();
    Set<String> paths = new HashSet<>();
    for (OtaFile f : m.getFilesList()) {
      if (problems.size() >= 20) {
        break;
      }
      String why = OtaManifestMessage.pathProblem(f.getPath());
      if (why != null) {
        problems.add("file '" + f.getPath() + "': " + why);
        continue;
      }
      if (!paths.add(f.getPath())) {
        problems.add("file '" + f.getPath() + "' is listed twice");
      }
      boolean ok = f.getSha256().size() == 32 && (f.getMode() & ~0777) == 0;
      for (int c : f.getChunksList()) {
        ok &= c >= 0 && c < total;
      }
      if (!ok) {
        problems.add("file '" + f.getPath() + "': its hash, mode (" + Integer.toOctalString(f.getMode()) + ") or chunk indexes do not hold");
        continue;
      }
      files.add(new OtaManifestMessage.File(f.getPath(), f.getMode(), f.getSize(), f.getSha256().toByteArray(), f.getChunksList()));
    }
    for (String r : m.getRemovedList()) {
      String why = OtaManifestMessage.pathProblem(r);
      if (why != null || paths.contains(r)) {
        problems.add("removed '" + SignedControl.shown(r) + "': " + (why != null ? why : "it is also a file of the bundle"));
      }
    }
    if (!problems.isEmpty()) {
      throw new FrameFormatException("the OTA patch does not hold: " + String.join("; ", problems));
    }
    return new OtaPatchMessage(m.getVersion(), m.getSecurityCounter(), m.getTarget(), m.getMinJava(), m.getExpiresAt(),
        m.getSha256().toByteArray(), m.getTotalSize(), m.getBaseId().toByteArray(), plan, chunks, files, m.getRemovedList(), m.getUrl());
  }
}

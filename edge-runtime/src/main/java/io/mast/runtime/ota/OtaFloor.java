package io.mast.runtime.ota;

import io.mast.seams.DurableFiles;
import io.mast.seams.TwoSlotFile;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tinylog.Logger;

/**
 * What the OTA agent keeps across power cuts, in a {@link TwoSlotFile} (magic "MOTF"): the
 * security counter floor, the newest offer and trust update taken (older ones are replays), the
 * bundle installed last and whether it is staged and not yet committed, and the bundles rolled
 * back (never taken again). The agent's thread alone changes it, then {@link #save}s.
 */
final class OtaFloor implements AutoCloseable {
  private static final int MAGIC = 0x4d4f5446; // "MOTF"
  static final int MAX_FAILED = 8;

  private final TwoSlotFile file;
  private final Path path;
  /** The highest security counter taken; an offer below it is a downgrade. */
  volatile long counterFloor;
  /** The issue time of the last offer taken. */
  long lastIssued;
  /** The bundle staged into the trial slot or committed last: its counter, hash and version. */
  long installedCounter;
  final byte[] installedBundle = new byte[32];
  volatile String installedVersion = "";
  /** The bundles rolled back on this pole, the latest {@link #MAX_FAILED}. */
  private final List<byte[]> failed = new ArrayList<>();
  /** The issue time of the last trust update taken: an older one is a replay, refused. */
  long lastTrustIssued;
  /** The bundle of the last offer taken (its retained offer, seen again after a restart, resumes the download). */
  final byte[] offeredBundle = new byte[32];
  /** Staged into the other slot and not yet committed or rolled back. */
  boolean staged;

  private OtaFloor(TwoSlotFile file, Path path) {
    this.file = file;
    this.path = path;
    TwoSlotFile.Read r = file.opened();
    if (r.empty()) {
      return;
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(r.payload()))) {
      counterFloor = in.readLong();
      lastIssued = in.readLong();
      installedCounter = in.readLong();
      in.readFully(installedBundle);
      installedVersion = in.readUTF();
      int n = in.readInt();
      for (int i = 0; i < Math.min(n, MAX_FAILED); i++) {
        byte[] h = new byte[32];
        in.readFully(h);
        failed.add(h);
      }
      lastTrustIssued = in.readLong();
      in.readFully(offeredBundle);
      staged = in.readBoolean();
    } catch (IOException e) {
      Logger.warn("ota: {} does not read ({}); the floor starts again from 0", path, e.getMessage());
    }
  }

  static OtaFloor open(DurableFiles files, Path path) throws IOException {
    // 512-byte slots, for good: a file of smaller slots is started again empty, which would zero a pole's floor. The state
    // (save) is at most 423 bytes: the counters and hashes, a version of at most 64 ASCII characters, 8 failed bundles.
    return new OtaFloor(TwoSlotFile.open(files, path, MAGIC, 256 + MAX_FAILED * 32), path);
  }

  /** Whether {@code bundle} was rolled back on this pole. */
  boolean rolledBack(byte[] bundle) {
    return failed.stream().anyMatch(h -> Arrays.equals(h, bundle));
  }

  /** The installed bundle was rolled back: it is never taken again (counted once, however many starts it takes to report). */
  void installedRolledBack() {
    if (!rolledBack(installedBundle)) {
      failed.add(installedBundle.clone());
    }
  }

  /** Forgets the installed bundle (it was never switched to). */
  void forgetInstalled() {
    staged = false;
    Arrays.fill(installedBundle, (byte) 0);
    installedVersion = "";
  }

  /** Writes the state; false (and logged) when it could not be written. */
  boolean save() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeLong(counterFloor);
      out.writeLong(lastIssued);
      out.writeLong(installedCounter);
      out.write(installedBundle);
      out.writeUTF(installedVersion);
      List<byte[]> kept = failed.subList(Math.max(0, failed.size() - MAX_FAILED), failed.size());
      out.writeInt(kept.size());
      for (byte[] h : kept) {
        out.write(h);
      }
      out.writeLong(lastTrustIssued);
      out.write(offeredBundle);
      out.writeBoolean(staged);
      file.write(1, bytes.toByteArray());
      return true;
    } catch (IOException e) {
      Logger.error("ota: writing {} failed: {}", path, e.getMessage());
      return false;
    }
  }

  @Override
  public void close() throws IOException {
    file.close();
  }
}

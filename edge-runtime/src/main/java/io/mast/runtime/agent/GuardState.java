package io.mast.runtime.agent;

import io.mast.seams.DurableFiles;
import io.mast.seams.TwoSlotFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * What the config agent must remember across a power cut, in a {@link TwoSlotFile} (magic
 * "MCFG", slots of {@value #SLOT} bytes), so a cut at any instant leaves the old state or the new:
 *
 * <pre>
 * payload format 1
 * offset  size  field
 *      0     8  clock floor: the newest issue time (Unix s) of a verified message; the pole's
 *               time is never earlier, so an expired message stays expired after a reboot to 1970
 *      8     8  highest: the newest config version ever stored here (unsigned), reverted ones
 *               included, so a reverted version is never taken again from the retained message
 *     16     8  pending version: a config applied whose acknowledgement has not reached the
 *               broker (the link guard runs), 0 when none
 *     24     4  its grace period in seconds
 *     28     1  L, bytes of its origin
 *     29     L  its origin ("platform" or "console"), ASCII
 * </pre>
 *
 * @param pendingVersion 0 when no config is pending
 */
record GuardState(long clockFloor, long highest, long pendingVersion, int pendingGraceS, String pendingOrigin) {
  static final int MAGIC = 0x4d434647; // "MCFG"
  static final int SLOT = 128;
  private static final int FORMAT = 1;

  static final GuardState EMPTY = new GuardState(0, 0, 0, 0, "");

  boolean pending() {
    return pendingVersion != 0;
  }

  GuardState floor(long t) {
    return new GuardState(Math.max(clockFloor, t), highest, pendingVersion, pendingGraceS, pendingOrigin);
  }

  GuardState pending(long version, int graceS, String origin) {
    return new GuardState(clockFloor, highest, version, graceS, origin);
  }

  /** A version now stored as the config in force: no version up to it is taken again. */
  GuardState took(long version) {
    return new GuardState(clockFloor, Long.compareUnsigned(version, highest) > 0 ? version : highest, pendingVersion, pendingGraceS,
        pendingOrigin);
  }

  /** The newest version this pole has taken: the one in force or a higher one taken and reverted (unsigned). */
  long newest(long inForce) {
    return Long.compareUnsigned(highest, inForce) > 0 ? highest : inForce;
  }

  GuardState settled() {
    return new GuardState(clockFloor, highest, 0, 0, "");
  }

  byte[] toBytes() {
    byte[] origin = pendingOrigin.getBytes(StandardCharsets.US_ASCII);
    return ByteBuffer.allocate(29 + origin.length).putLong(clockFloor).putLong(highest).putLong(pendingVersion)
        .putInt(pendingGraceS).put((byte) origin.length).put(origin).array();
  }

  /** Reads the state of {@code file}; an empty or lost file is the empty state (logged by the caller). */
  static GuardState read(TwoSlotFile.Read r, Path file) throws IOException {
    if (r.empty()) {
      return EMPTY;
    }
    if (r.version() != FORMAT || r.payload().length < 29) {
      throw new IOException(file + ": config agent state of format " + r.version() + " and " + r.payload().length
          + " bytes is not format 1");
    }
    ByteBuffer b = ByteBuffer.wrap(r.payload());
    long floor = b.getLong();
    long highest = b.getLong();
    long pending = b.getLong();
    int grace = b.getInt();
    int n = b.get() & 0xff;
    if (b.remaining() < n) {
      throw new IOException(file + ": config agent state is cut short");
    }
    byte[] origin = new byte[n];
    b.get(origin);
    return new GuardState(floor, highest, pending, grace, new String(origin, StandardCharsets.US_ASCII));
  }

  static TwoSlotFile open(DurableFiles files, Path file) throws IOException {
    return TwoSlotFile.open(files, file, MAGIC, SLOT);
  }

  void write(TwoSlotFile file) throws IOException {
    file.write(FORMAT, toBytes());
  }
}

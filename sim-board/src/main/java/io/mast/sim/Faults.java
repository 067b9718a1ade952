package io.mast.sim;

import java.util.Random;

/**
 * The fault knobs of one simulated device, applied to each answer it sends. Thread-safe: tests set
 * knobs while the simulator runs. Counted knobs apply to the next N answers and then wear off;
 * {@link #silent} and {@link #slowBytes} stay until changed.
 *
 * <ul>
 *   <li>{@link #corruptNext}: flips one bit in the middle of the answer, so its checksum fails;</li>
 *   <li>{@link #garbageBeforeNext}: sends random bytes before the answer;</li>
 *   <li>{@link #truncateNext}: sends only the first half of the answer (a partial frame);</li>
 *   <li>{@link #silent}: sends nothing at all (a dead or unpowered device);</li>
 *   <li>{@link #slowBytes}: sends byte by byte with a pause between them.</li>
 * </ul>
 */
public final class Faults {
  private final Random random = new Random(7);
  private int corrupt;
  private int garbage;
  private int garbageBytes;
  private int truncate;
  private boolean silent;
  private long slowMillis;

  public synchronized Faults corruptNext(int answers) {
    corrupt = answers;
    return this;
  }

  public synchronized Faults garbageBeforeNext(int answers, int bytes) {
    garbage = answers;
    garbageBytes = bytes;
    return this;
  }

  public synchronized Faults truncateNext(int answers) {
    truncate = answers;
    return this;
  }

  public synchronized Faults silent(boolean value) {
    silent = value;
    return this;
  }

  public synchronized Faults slowBytes(long millisPerByte) {
    slowMillis = millisPerByte;
    return this;
  }

  public synchronized Faults clear() {
    corrupt = 0;
    garbage = 0;
    truncate = 0;
    silent = false;
    slowMillis = 0;
    return this;
  }

  /** What to send for {@code answer} now: the answer as the knobs change it, or null for nothing. */
  synchronized byte[] apply(byte[] answer) {
    if (silent) {
      return null;
    }
    byte[] out = answer.clone();
    if (corrupt > 0) {
      corrupt--;
      out[out.length / 2] ^= 0x10;
    }
    if (truncate > 0) {
      truncate--;
      out = java.util.Arrays.copyOf(out, out.length / 2);
    }
    if (garbage > 0) {
      garbage--;
      byte[] noise = new byte[garbageBytes];
      random.nextBytes(noise);
      byte[] joined = new byte[noise.length + out.length];
      System.arraycopy(noise, 0, joined, 0, noise.length);
      System.arraycopy(out, 0, joined, noise.length, out.length);
      out = joined;
    }
    return out;
  }

  synchronized long slowMillis() {
    return slowMillis;
  }
}

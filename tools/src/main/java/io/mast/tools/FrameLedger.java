package io.mast.tools;

import io.mast.protocol.ChannelProfile;
import io.mast.protocol.DecodedFrame;
import io.mast.protocol.FrameDecoder;
import io.mast.protocol.FrameFormatException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The platform's view of what poles send on {@code t}: each device's profiles (from its retained
 * {@code p}), its frames decoded against them and de-duplicated by (device, sequence), as the
 * wire contract asks of a consumer. A frame whose profile has not arrived yet is held (at most
 * {@link #HELD_PER_DEVICE} per device) and decoded when it does, so the order in which a
 * subscriber meets a device's profile and frames does not matter. Thread-safe.
 */
public final class FrameLedger {
  /** Frames kept per device while its profile is unknown; more are counted as dropped. */
  public static final int HELD_PER_DEVICE = 64;

  /** Figures so far. */
  public record Counts(long devices, long frames, long duplicates, long readings, long undecodable, long held, long heldDropped) {}

  private static final class Device {
    final Map<Integer, FrameDecoder> decoders = new HashMap<>();
    final Set<Long> seqs = new HashSet<>();
    final List<byte[]> held = new ArrayList<>();
    long readings;
  }

  private final Map<String, Device> devices = new HashMap<>();
  private final BiConsumer<String, DecodedFrame> onFrame;
  private long frames;
  private long duplicates;
  private long readings;
  private long undecodable;
  private long heldDropped;

  /** {@code onFrame} gets each new frame once, decoded, with its device (under this ledger's lock). */
  public FrameLedger(BiConsumer<String, DecodedFrame> onFrame) {
    this.onFrame = onFrame;
  }

  /** A device's profile message; frames held for it are decoded now. */
  public synchronized void profile(String device, byte[] payload) throws FrameFormatException {
    if (payload.length == 0) {
      return; // a retained profile cleared
    }
    ChannelProfile p = ChannelProfile.parse(payload);
    Device d = devices.computeIfAbsent(device, k -> new Device());
    if (d.decoders.putIfAbsent(p.id(), new FrameDecoder(p)) == null && !d.held.isEmpty()) {
      List<byte[]> again = new ArrayList<>(d.held);
      d.held.clear();
      for (byte[] f : again) {
        frame(device, f);
      }
    }
  }

  /**
   * A frame message; returns true when it was new (decoded and handed on), false when it was a
   * duplicate, is held for its profile, or does not decode (counted as undecodable).
   */
  public synchronized boolean frame(String device, byte[] payload) {
    Device d = devices.computeIfAbsent(device, k -> new Device());
    DecodedFrame f;
    try {
      FrameDecoder decoder = d.decoders.get(FrameDecoder.profileIdOf(payload));
      if (decoder == null) {
        if (d.held.size() < HELD_PER_DEVICE) {
          d.held.add(payload);
        } else {
          heldDropped++;
        }
        return false;
      }
      f = decoder.decode(payload);
    } catch (FrameFormatException e) {
      undecodable++;
      return false;
    }
    if (!d.seqs.add(f.seq())) {
      duplicates++;
      return false;
    }
    frames++;
    readings += f.readings().size();
    d.readings += f.readings().size();
    onFrame.accept(device, f);
    return true;
  }

  /** Unique readings of {@code device} so far. */
  public synchronized long readings(String device) {
    Device d = devices.get(device);
    return d == null ? 0 : d.readings;
  }

  public synchronized Counts counts() {
    long held = devices.values().stream().mapToLong(d -> d.held.size()).sum();
    return new Counts(devices.size(), frames, duplicates, readings, undecodable, held, heldDropped);
  }
}

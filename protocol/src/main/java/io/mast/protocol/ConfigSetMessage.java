package io.mast.protocol;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.mast.protocol.internal.pb.ConfigSet;

/**
 * A config push (topic {@code c}, retained, the payload of a {@link SignedControl.Type#CONFIG_SET}
 * envelope): the version, the {@code DeviceConfig} as binary protobuf (parsed by the config
 * module, never here) and the grace period of the link guard.
 *
 * @param graceS seconds the pole waits for the broker after applying before it reverts; 0 means
 *     {@link #DEFAULT_GRACE_S}
 */
public record ConfigSetMessage(long version, byte[] config, int graceS) {
  /** The grace period when a push names none. */
  public static final int DEFAULT_GRACE_S = 600;
  /**
   * The largest signed config envelope a pole takes on {@code c}: a real pole's config is a
   * few KiB; 64 KiB leaves room for hundreds of sensors and bounds what one message may cost.
   */
  public static final int MAX_ENVELOPE_BYTES = 64 * 1024;

  public ConfigSetMessage {
    if (graceS < 0) {
      throw new IllegalArgumentException("grace " + graceS + " s is negative");
    }
    config = config.clone();
  }

  @Override
  public byte[] config() {
    return config.clone();
  }

  /** The grace period in force: the push's own, or the default. */
  public int effectiveGraceS() {
    return graceS == 0 ? DEFAULT_GRACE_S : graceS;
  }

  public byte[] toBytes() {
    return ConfigSet.newBuilder().setVersion(version).setConfig(ByteString.copyFrom(config)).setGraceS(graceS).build().toByteArray();
  }

  public static ConfigSetMessage parse(byte[] payload) throws FrameFormatException {
    try {
      ConfigSet s = ConfigSet.parseFrom(payload);
      if (s.getVersion() == 0) {
        throw new FrameFormatException("the config set carries no version");
      }
      return new ConfigSetMessage(s.getVersion(), s.getConfig().toByteArray(), Math.max(0, s.getGraceS()));
    } catch (InvalidProtocolBufferException e) {
      throw new FrameFormatException("not a config set: " + e.getMessage());
    }
  }
}

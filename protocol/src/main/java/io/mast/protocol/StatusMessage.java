package io.mast.protocol;

import com.google.protobuf.InvalidProtocolBufferException;
import io.mast.protocol.internal.pb.Status;

/**
 * The birth and last-will message of a pole (topic {@code s}, retained): whether it is online,
 * which runtime and config it runs, since when, with which profile. The wire form is
 * {@code mast.v1.Status}; this is its API, so no module but this one touches generated classes.
 */
public record StatusMessage(State state, String runtimeVersion, long bootTime, int profileId, long configVersion,
    boolean configConfirmed) {
  /** ONLINE is the birth; OFFLINE the last will the broker publishes, or the pole's own goodbye. */
  public enum State { ONLINE, OFFLINE }

  public StatusMessage {
    if (state == null) {
      throw new IllegalArgumentException("a status has a state");
    }
    runtimeVersion = runtimeVersion == null ? "" : runtimeVersion;
  }

  /** The same status in another state: the last will is the birth turned OFFLINE. */
  public StatusMessage with(State other) {
    return new StatusMessage(other, runtimeVersion, bootTime, profileId, configVersion, configConfirmed);
  }

  public byte[] toBytes() {
    return Status.newBuilder()
        .setState(state == State.ONLINE ? Status.State.ONLINE : Status.State.OFFLINE)
        .setRuntimeVersion(runtimeVersion)
        .setBootTime(bootTime)
        .setProfileId(profileId)
        .setConfigVersion(configVersion)
        .setConfigConfirmed(configConfirmed)
        .build()
        .toByteArray();
  }

  /** The status in {@code payload}; bytes that are no status, or a state neither ONLINE nor OFFLINE, are refused. */
  public static StatusMessage parse(byte[] payload) throws FrameFormatException {
    Status s;
    try {
      s = Status.parseFrom(payload);
    } catch (InvalidProtocolBufferException e) {
      throw new FrameFormatException("not a status message: " + e.getMessage());
    }
    State state = switch (s.getState()) {
      case ONLINE -> State.ONLINE;
      case OFFLINE -> State.OFFLINE;
      default -> throw new FrameFormatException("status state " + s.getStateValue() + " is neither ONLINE nor OFFLINE");
    };
    return new StatusMessage(state, s.getRuntimeVersion(), s.getBootTime(), s.getProfileId(), s.getConfigVersion(),
        s.getConfigConfirmed());
  }
}

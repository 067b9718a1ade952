package io.mast.protocol;

import com.google.protobuf.InvalidProtocolBufferException;
import io.mast.protocol.internal.pb.ConfigAck;
import java.util.List;

/**
 * A pole's answer to a config (topic {@code ca}): applied with what changed, rejected with every
 * reason, or reverted with why. Also sent for technician edits ({@code origin} "console").
 *
 * @param version the version answered; 0 when the message was refused before its version could be read
 * @param activeVersion the version running after this
 */
public record ConfigAckMessage(long version, Result result, List<String> errors, long activeVersion, String origin,
    List<String> changed, List<String> warnings) {
  public enum Result { APPLIED, REJECTED, REVERTED }

  /** Origin of a push from the platform. */
  public static final String PLATFORM = "platform";
  /** Origin of a technician's edit on the console. */
  public static final String CONSOLE = "console";

  public ConfigAckMessage {
    errors = List.copyOf(errors);
    changed = List.copyOf(changed);
    warnings = List.copyOf(warnings);
    origin = origin == null ? "" : origin;
  }

  public byte[] toBytes() {
    return ConfigAck.newBuilder().setVersion(version).setResult(ConfigAck.Result.forNumber(result.ordinal() + 1))
        .addAllErrors(errors).setActiveVersion(activeVersion).setOrigin(origin).addAllChanged(changed)
        .addAllWarnings(warnings).build().toByteArray();
  }

  public static ConfigAckMessage parse(byte[] payload) throws FrameFormatException {
    ConfigAck a;
    try {
      a = ConfigAck.parseFrom(payload);
    } catch (InvalidProtocolBufferException e) {
      throw new FrameFormatException("not a config ack: " + e.getMessage());
    }
    int r = a.getResultValue();
    if (r < 1 || r > Result.values().length) {
      throw new FrameFormatException("config ack result " + r + " is none of APPLIED, REJECTED, REVERTED");
    }
    return new ConfigAckMessage(a.getVersion(), Result.values()[r - 1], a.getErrorsList(), a.getActiveVersion(),
        a.getOrigin(), a.getChangedList(), a.getWarningsList());
  }

  /** One line for people: "version 7 APPLIED (active 7): changed a, b" etc. */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("version ").append(Long.toUnsignedString(version)).append(' ').append(result)
        .append(" (active ").append(Long.toUnsignedString(activeVersion)).append(origin.isEmpty() ? "" : ", from " + origin).append(')');
    if (!changed.isEmpty()) {
      b.append(": changed ").append(String.join(", ", changed));
    }
    if (!errors.isEmpty()) {
      b.append(changed.isEmpty() ? ": " : "; ").append(String.join("; ", errors));
    }
    if (!warnings.isEmpty()) {
      b.append("; warnings: ").append(String.join("; ", warnings));
    }
    return b.toString();
  }
}

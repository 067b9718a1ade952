package io.mast.protocol;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import com.google.protobuf.TextFormat;
import io.mast.protocol.internal.pb.ConfigAck;
import io.mast.protocol.internal.pb.ConsoleReply;
import io.mast.protocol.internal.pb.Health;
import io.mast.protocol.internal.pb.OtaChunkData;
import io.mast.protocol.internal.pb.OtaChunkRequest;
import io.mast.protocol.internal.pb.OtaStatus;
import io.mast.protocol.internal.pb.Profile;
import io.mast.protocol.internal.pb.SignedBody;
import io.mast.protocol.internal.pb.SignedEnvelope;
import io.mast.protocol.internal.pb.Status;
import java.util.HexFormat;

/**
 * Any message Mast sends or receives, other than telemetry and alarm frames (which
 * {@link FrameDecoder} turns into readings), as one line of text for people: protobuf's text
 * format on one line, with bulk bytes (chunk data, signatures) shown by size. For
 * {@code mast decode --follow} and the platform tools. Stateless and thread-safe.
 */
public final class MessageText {
  private static final TextFormat.Printer ONE_LINE = TextFormat.printer().emittingSingleLine(true);

  private MessageText() {}

  /**
   * The message of {@code kind} in {@code payload} as text: {@code status: state: ONLINE ...}.
   *
   * @throws FrameFormatException if the payload is not that message, or {@code kind} is a frame
   */
  public static String of(Topics.Kind kind, byte[] payload) throws FrameFormatException {
    String name = kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
    try {
      return name + ": " + switch (kind) {
        case STATUS -> text(Status.parser(), payload);
        case HEALTH -> text(Health.parser(), payload);
        case PROFILE -> text(Profile.parser(), payload);
        case CONFIG_ACK -> text(ConfigAck.parser(), payload);
        case OTA_STATUS -> text(OtaStatus.parser(), payload);
        case OTA_CHUNK_REQUEST -> chunkRequest(payload);
        case OTA_CHUNK_DATA -> chunkData(payload);
        case CONSOLE_REPLY -> text(ConsoleReply.parser(), payload);
        case AUDIT -> text(io.mast.protocol.internal.pb.AuditRecord.parser(), payload);
        case CONFIG_SET, OTA_OFFER, CONSOLE_COMMAND -> envelope(payload);
        case TELEMETRY, ALARM -> throw new FrameFormatException(name + " is a frame: decode it with FrameDecoder");
      };
    } catch (InvalidProtocolBufferException e) {
      throw new FrameFormatException("not a valid " + name + " message (" + payload.length + " bytes): " + e.getMessage());
    }
  }

  private static String text(Parser<? extends Message> parser, byte[] payload) throws InvalidProtocolBufferException {
    if (payload.length == 0) {
      return "(empty: a retained message cleared)";
    }
    String text = ONE_LINE.printToString(parser.parseFrom(payload)).strip();
    return text.isEmpty() ? "(all fields at their defaults)" : text;
  }

  private static String chunkRequest(byte[] payload) throws InvalidProtocolBufferException {
    OtaChunkRequest r = OtaChunkRequest.parseFrom(payload);
    return "bundle " + shortHex(r.getBundleSha256().toByteArray()) + " chunks " + r.getChunksList();
  }

  private static String chunkData(byte[] payload) throws InvalidProtocolBufferException {
    OtaChunkData d = OtaChunkData.parseFrom(payload);
    return "bundle " + shortHex(d.getBundleSha256().toByteArray()) + " chunk " + d.getIndex() + ", " + d.getData().size() + " bytes";
  }

  /** A signed envelope as its signer and body, without judging the signature (the pole does). */
  private static String envelope(byte[] payload) throws InvalidProtocolBufferException {
    if (payload.length == 0) {
      return "(empty: a retained message cleared)";
    }
    SignedEnvelope e = SignedEnvelope.parseFrom(payload);
    SignedBody b = SignedBody.parseFrom(e.getBody());
    return "signed by " + e.getKeyId() + " (" + e.getSignature().size() + "-byte signature), " + b.getType() + " for "
        + b.getDevice() + ", issued " + java.time.Instant.ofEpochSecond(b.getIssuedAt()) + ", expires "
        + java.time.Instant.ofEpochSecond(b.getExpiresAt()) + ", payload " + b.getPayload().size() + " bytes";
  }

  private static String shortHex(byte[] bytes) {
    String hex = HexFormat.of().formatHex(bytes);
    return hex.length() <= 12 ? hex : hex.substring(0, 12) + "...";
  }
}

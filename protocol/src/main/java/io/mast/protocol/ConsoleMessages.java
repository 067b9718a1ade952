package io.mast.protocol;

import com.google.protobuf.InvalidProtocolBufferException;
import io.mast.protocol.internal.pb.AuditRecord;
import io.mast.protocol.internal.pb.ConsoleCommand;
import io.mast.protocol.internal.pb.ConsoleReply;
import java.nio.charset.StandardCharsets;

/**
 * The remote console's messages and the audit record, as records with their wire form: a
 * command (topic {@code x}, the payload of a {@link SignedControl.Type#CONSOLE_COMMAND}
 * envelope), its reply ({@code xr}) and what the pole audits ({@code au}). Immutable.
 */
public final class ConsoleMessages {
  /** The largest signed console command envelope a pole takes: one line and a signature. */
  public static final int MAX_COMMAND_ENVELOPE_BYTES = 4096;
  /** The longest command line, in characters (the serial console's own limit). */
  public static final int MAX_LINE_CHARS = 512;
  /**
   * The most a reply's output may hold, in UTF-8 bytes: {@code status} and a few tables fit; a
   * longer output is cut and says so, because every byte down the NB-IoT link is paid for.
   */
  public static final int MAX_REPLY_OUTPUT_BYTES = 4096;

  private ConsoleMessages() {}

  /** A command line to run; {@code id} comes back in the reply. */
  public record Command(long id, String line) {
    public byte[] toBytes() {
      return ConsoleCommand.newBuilder().setId(id).setLine(line).build().toByteArray();
    }

    public static Command parse(byte[] payload) throws FrameFormatException {
      ConsoleCommand c;
      try {
        c = ConsoleCommand.parseFrom(payload);
      } catch (InvalidProtocolBufferException e) {
        throw new FrameFormatException("not a console command: " + e.getMessage());
      }
      if (c.getLine().isBlank()) {
        throw new FrameFormatException("the console command carries no line");
      }
      if (c.getLine().codePointCount(0, c.getLine().length()) > MAX_LINE_CHARS) {
        throw new FrameFormatException("a console command line holds at most " + MAX_LINE_CHARS + " characters");
      }
      if (c.getLine().chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) {
        throw new FrameFormatException("a console command line holds no control characters");
      }
      return new Command(c.getId(), c.getLine());
    }
  }

  /**
   * What a command printed and how it ended ({@code status} 0 when it did what was asked).
   * {@link #capped} cuts {@code output} to {@value #MAX_REPLY_OUTPUT_BYTES} bytes.
   */
  public record Reply(long id, int status, String output, String keyId) {
    public Reply {
      output = output == null ? "" : output;
      keyId = keyId == null ? "" : keyId;
    }

    /** This reply with its output cut to the cap on a character boundary, the cut said at its end. */
    public Reply capped() {
      byte[] bytes = output.getBytes(StandardCharsets.UTF_8);
      if (bytes.length <= MAX_REPLY_OUTPUT_BYTES) {
        return this;
      }
      String tail = "\n... (output cut at " + MAX_REPLY_OUTPUT_BYTES + " of " + bytes.length + " bytes)\n";
      int keep = MAX_REPLY_OUTPUT_BYTES - tail.length();
      while (keep > 0 && (bytes[keep] & 0xc0) == 0x80) {
        keep--; // never split a UTF-8 character
      }
      return new Reply(id, status, new String(bytes, 0, keep, StandardCharsets.UTF_8) + tail, keyId);
    }

    public byte[] toBytes() {
      return ConsoleReply.newBuilder().setId(id).setStatus(status).setOutput(output).setKeyId(keyId).build().toByteArray();
    }

    public static Reply parse(byte[] payload) throws FrameFormatException {
      try {
        ConsoleReply r = ConsoleReply.parseFrom(payload);
        return new Reply(r.getId(), r.getStatus(), r.getOutput(), r.getKeyId());
      } catch (InvalidProtocolBufferException e) {
        throw new FrameFormatException("not a console reply: " + e.getMessage());
      }
    }
  }

  /** One audited act; {@code seq} rises on the pole, so the platform de-duplicates resends by it. */
  public record Audit(long seq, long timeMillis, String who, String what) {
    public byte[] toBytes() {
      return AuditRecord.newBuilder().setSeq(seq).setTimeMs(timeMillis).setWho(who).setWhat(what).build().toByteArray();
    }

    public static Audit parse(byte[] payload) throws FrameFormatException {
      try {
        AuditRecord a = AuditRecord.parseFrom(payload);
        return new Audit(a.getSeq(), a.getTimeMs(), a.getWho(), a.getWhat());
      } catch (InvalidProtocolBufferException e) {
        throw new FrameFormatException("not an audit record: " + e.getMessage());
      }
    }

    @Override
    public String toString() {
      return "#" + Long.toUnsignedString(seq) + " " + java.time.Instant.ofEpochMilli(timeMillis) + " " + who + ": " + what;
    }
  }
}

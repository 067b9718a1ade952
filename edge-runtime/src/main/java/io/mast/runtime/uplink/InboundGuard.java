package io.mast.runtime.uplink;

import io.mast.protocol.ControlLimits;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The bytes a broker sends, framed and checked as MQTT 3.1.1 packets before the MQTT client
 * reads them. The client allocates a packet's whole remaining length as soon as it has read the
 * fixed header, and its receiving thread dies on some malformed bodies without reporting the
 * connection lost; this stream stops both at the byte that gives them away:
 *
 * <ul>
 *   <li>a packet type a server never sends a client (CONNECT, SUBSCRIBE, PINGREQ, DISCONNECT,
 *       the reserved 0 and 15) or flags the type does not allow;
 *   <li>a remaining length longer than four bytes, or beyond what the type carries: exactly 2
 *       for CONNACK and the acknowledgements, 0 for PINGRESP, a SUBACK for at most
 *       {@link #MAX_SUBACK_CODES} filters, a PUBLISH of at most
 *       {@link ControlLimits#MAX_CONTROL_MESSAGE_BYTES} of payload after its topic and packet id;
 *   <li>a PUBLISH topic that is empty, longer than the packet, longer than
 *       {@link ControlLimits#MAX_TOPIC_BYTES}, or with a byte outside printable ASCII or a
 *       wildcard (the pole's topics are ASCII; the client's receiver dies on a control character).
 * </ul>
 *
 * A violation is an {@link InboundViolation}, an {@link IOException}: the client reports the
 * connection lost and the uplink connects again. {@link #stalledNanos} tells how long a packet
 * has been left half sent, which the uplink's liveness rule bounds.
 *
 * <p>One thread reads (the client's receiver); {@link #stalledNanos} and {@link #readerDied} may be
 * called from any.
 */
final class InboundGuard extends FilterInputStream {
  /** Filters one SUBSCRIBE of the uplink may carry, so return codes one SUBACK may carry. */
  static final int MAX_SUBACK_CODES = 256;

  /** A broker sent what no MQTT server sends a client. */
  static final class InboundViolation extends IOException {
    InboundViolation(String message) {
      super(message);
    }
  }

  private enum Part { HEADER, LENGTH, TOPIC_LENGTH, TOPIC, BODY }

  private static final String[] NAMES = {"reserved 0", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL",
      "PUBCOMP", "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "reserved 15"};
  private static final int CONNACK = 2;
  private static final int PUBLISH = 3;
  private static final int PUBREL = 6;
  private static final int SUBACK = 9;
  private static final int UNSUBACK = 11;
  private static final int PINGRESP = 13;

  private final LongSupplier nanos;
  private final Consumer<InboundViolation> onViolation;
  private volatile Thread reader;
  private volatile long packetStart;
  private volatile boolean inPacket;
  private Part part = Part.HEADER;
  private int type;
  private int qos;
  private long remaining;
  private long length;
  private int lengthBytes;
  private int topicLength;
  private int topicLengthBytes;
  private long packets;
  private volatile InboundViolation failed;
  private volatile boolean ended;

  /** @param onViolation told of a violation as it is found, on the reading thread; must not block */
  InboundGuard(InputStream in, LongSupplier nanos, Consumer<InboundViolation> onViolation) {
    super(in);
    this.nanos = nanos;
    this.onViolation = onViolation;
  }

  @Override
  public int read() throws IOException {
    reader = Thread.currentThread();
    if (failed != null) {
      throw failed;
    }
    try {
      int b = in.read();
      if (b < 0) {
        ended = true;
      } else {
        check(b);
      }
      return b;
    } catch (IOException e) {
      ended = true;
      throw e;
    }
  }

  @Override
  public int read(byte[] buffer, int offset, int count) throws IOException {
    reader = Thread.currentThread();
    if (failed != null) {
      throw failed;
    }
    int n;
    try {
      n = in.read(buffer, offset, count);
    } catch (IOException e) {
      ended = true;
      throw e;
    }
    if (n < 0) {
      ended = true;
    }
    for (int i = 0; i < n; ) {
      if (part == Part.BODY) {
        // the bulk of a packet: counted, not looked at
        int take = (int) Math.min(remaining, n - i);
        remaining -= take;
        i += take;
        if (remaining == 0) {
          end();
        }
      } else {
        check(buffer[offset + i++] & 0xff);
      }
    }
    return n;
  }

  /** Skipping would pass bytes unframed; the client never skips. */
  @Override
  public long skip(long n) throws IOException {
    long skipped = 0;
    while (skipped < n && read() >= 0) {
      skipped++;
    }
    return skipped;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  @Override
  public synchronized void mark(int limit) {
    // not supported: a reset would replay bytes the framing has already counted
  }

  @Override
  public synchronized void reset() throws IOException {
    throw new IOException("mark/reset not supported");
  }

  /** How long the current packet has been arriving, 0 between packets. */
  long stalledNanos() {
    return inPacket ? Math.max(0, nanos.getAsLong() - packetStart) : 0;
  }

  /**
   * Whether the thread that read this stream has died though the stream did not end (no end of
   * input, no error, no violation handed to it): it died of something it threw itself.
   */
  boolean readerDied() {
    Thread t = reader;
    return t != null && !t.isAlive() && !ended;
  }

  /** What the broker sent that MQTT does not allow, or null. */
  String violation() {
    InboundViolation v = failed;
    return v == null ? null : v.getMessage();
  }

  /** Packets read whole. */
  long packets() {
    return packets;
  }

  private void check(int b) throws InboundViolation {
    switch (part) {
      case HEADER -> header(b);
      case LENGTH -> length(b);
      case TOPIC_LENGTH -> topicLength(b);
      case TOPIC -> topic(b);
      case BODY -> {
        if (--remaining == 0) {
          end();
        }
      }
    }
  }

  private void header(int b) throws InboundViolation {
    type = b >>> 4;
    int flags = b & 0x0f;
    qos = (flags >>> 1) & 3;
    boolean ok = switch (type) {
      case PUBLISH -> qos != 3;
      case PUBREL -> flags == 2;
      case CONNACK, 4, 5, 7, SUBACK, UNSUBACK, PINGRESP -> flags == 0;
      default -> false;
    };
    if (!ok) {
      throw violation(String.format("packet type %d with flags 0x%x is not one a server sends a client", type, flags));
    }
    inPacket = true;
    packetStart = nanos.getAsLong();
    part = Part.LENGTH;
    length = 0;
    lengthBytes = 0;
  }

  private void length(int b) throws InboundViolation {
    length |= (long) (b & 0x7f) << (7 * lengthBytes);
    lengthBytes++;
    if ((b & 0x80) != 0) {
      if (lengthBytes == 4) {
        throw violation("remaining length runs past four bytes");
      }
      return;
    }
    long most = switch (type) {
      case PUBLISH -> 2L + ControlLimits.MAX_TOPIC_BYTES + 2 + ControlLimits.MAX_CONTROL_MESSAGE_BYTES;
      case SUBACK -> 2L + MAX_SUBACK_CODES;
      case PINGRESP -> 0;
      default -> 2;
    };
    long least = switch (type) {
      case PUBLISH -> qos > 0 ? 5 : 3;
      case SUBACK -> 3;
      case PINGRESP -> 0;
      default -> 2;
    };
    if (length < least || length > most) {
      throw violation(NAMES[type] + " claims " + length + " bytes; it carries "
          + (least == most ? "exactly " + least : least + " to " + most));
    }
    remaining = length;
    if (type == PUBLISH) {
      part = Part.TOPIC_LENGTH;
      topicLength = 0;
      topicLengthBytes = 0;
    } else if (remaining == 0) {
      end();
    } else {
      part = Part.BODY;
    }
  }

  private void topicLength(int b) throws InboundViolation {
    topicLength = topicLength << 8 | b;
    remaining--;
    if (++topicLengthBytes < 2) {
      return;
    }
    long after = remaining - topicLength - (qos > 0 ? 2 : 0);
    if (topicLength == 0 || topicLength > ControlLimits.MAX_TOPIC_BYTES || after < 0) {
      throw violation("PUBLISH topic of " + topicLength + " bytes in a packet of " + length
          + "; a topic is 1 to " + ControlLimits.MAX_TOPIC_BYTES + " bytes within its packet");
    }
    if (after > ControlLimits.MAX_CONTROL_MESSAGE_BYTES) {
      throw violation("PUBLISH payload of " + after + " bytes; at most " + ControlLimits.MAX_CONTROL_MESSAGE_BYTES);
    }
    part = Part.TOPIC;
  }

  private void topic(int b) throws InboundViolation {
    if (b < 0x20 || b > 0x7e || b == '+' || b == '#') {
      throw violation(String.format("PUBLISH topic with the byte 0x%02x; the pole's topics are printable ASCII without wildcards", b));
    }
    remaining--;
    if (--topicLength == 0) {
      if (remaining == 0) {
        end();
      } else {
        part = Part.BODY;
      }
    }
  }

  private void end() {
    part = Part.HEADER;
    inPacket = false;
    packets++;
  }

  private InboundViolation violation(String what) {
    ended = true;
    failed = new InboundViolation("the broker sent what MQTT does not allow: " + what + " (after " + packets + " good packets)");
    onViolation.accept(failed);
    return failed;
  }
}

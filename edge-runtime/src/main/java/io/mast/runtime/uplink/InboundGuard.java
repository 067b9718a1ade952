// InboundGuard is over 400 lines on purpose: one state machine frames every byte from the broker (a
// packet's head held and checked, its body counted, an emptied payload read and dropped, an
// unwanted packet skipped), and every part of it moves the same position and counters; apart,
// the parts would share all of that state.
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
 * connection lost; this stream holds each packet's head (the fixed header, and for a PUBLISH its
 * topic and packet id) until it has checked it, so the client never sees a byte of a packet
 * refused for its head:
 *
 * <ul>
 *   <li>a packet type a server never sends a client (CONNECT, SUBSCRIBE, PINGREQ, DISCONNECT,
 *       the reserved 0 and 15) or flags the type does not allow;
 *   <li>a remaining length longer than four bytes, or beyond what the type carries: exactly 2
 *       for CONNACK and the acknowledgements, 0 for PINGRESP, a SUBACK for at most
 *       {@link #MAX_SUBACK_CODES} filters;
 *   <li>a PUBLISH topic that is empty, longer than the packet, longer than
 *       {@link ControlLimits#MAX_TOPIC_BYTES}, or with a byte outside printable ASCII or a
 *       wildcard (the pole's topics are ASCII; the client's receiver dies on a control character).
 * </ul>
 *
 * A violation is an {@link InboundViolation}, an {@link IOException}: the client reports the
 * connection lost and the uplink connects again.
 *
 * <p><b>A PUBLISH over the cap</b> (a payload over {@link ControlLimits#MAX_CONTROL_MESSAGE_BYTES})
 * is not a violation: MQTT allows it, and a broker that lets anyone publish would otherwise let
 * one retained message of 300 KB on a pole's topic cut the pole off at every connect. The client
 * is handed the same PUBLISH (topic, QoS, packet id, retain flag) with an empty payload, which it
 * acknowledges as usual and the agents take as "nothing" (the platform's way of clearing a
 * retained message); the payload is read from the socket and dropped, never held, and the
 * uplink is told ({@code onOversized}), so health counts it.
 *
 * <p><b>A PUBLISH not wanted</b> ({@code wanted} says no for its topic: the pole's budget of
 * signature checks on that control topic is spent, in a flood) is dropped here the same way,
 * before the client allocates or dispatches anything: at QoS 0 it is skipped whole (the client
 * never sees it), at QoS 1 or 2 it is handed on empty, so the client acknowledges it.
 *
 * <p>{@link #stalledNanos} tells how long a packet has been left half sent, which the uplink's
 * liveness rule bounds. A read that times out (the client's socket has a 1 s read timeout) keeps
 * what was read of a head and goes on from there at the next read.
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

  /** Told of a PUBLISH emptied for being over the cap: its topic and its payload's size. */
  interface Oversized {
    void emptied(String topic, long payloadBytes);
  }

  /** How a checked head goes on. */
  private enum Pass { WHOLE, EMPTIED, SKIPPED }

  private enum Part { HEADER, LENGTH, TOPIC_LENGTH, TOPIC, PACKET_ID, BODY }

  private static final String[] NAMES = {"reserved 0", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL",
      "PUBCOMP", "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "reserved 15"};
  private static final int CONNACK = 2;
  private static final int PUBLISH = 3;
  private static final int PUBREL = 6;
  private static final int SUBACK = 9;
  private static final int UNSUBACK = 11;
  private static final int PINGRESP = 13;
  /** The longest head held: fixed header (1 + 4), topic length, topic, packet id. */
  private static final int HEAD_BYTES = 5 + 2 + ControlLimits.MAX_TOPIC_BYTES + 2;

  private final LongSupplier nanos;
  private final Consumer<InboundViolation> onViolation;
  private final Oversized onOversized;
  private final java.util.function.Predicate<String> wanted;
  private volatile Thread reader;
  private volatile long packetStart;
  private volatile boolean inPacket;
  private Part part = Part.HEADER;
  private int type;
  private int qos;
  /** Bytes of the packet after what was read of it. */
  private long remaining;
  private long length;
  private int lengthBytes;
  private int topicLength;
  private int idBytes;
  /** The head being read, then handed on from {@code servePos} to {@code serveLen} (a rewritten one for an emptied PUBLISH). */
  private final byte[] head = new byte[HEAD_BYTES];
  private int headLen;
  private byte[] serve;
  private int servePos;
  private int serveLen;
  /** Payload bytes of an emptied PUBLISH still to be read and dropped. */
  private long discard;
  private byte[] scratch;
  private final byte[] one = new byte[1];
  private long packets;
  private volatile InboundViolation failed;
  private volatile boolean ended;

  /** @param onViolation told of a violation as it is found, on the reading thread; must not block */
  InboundGuard(InputStream in, LongSupplier nanos, Consumer<InboundViolation> onViolation) {
    this(in, nanos, onViolation, (topic, bytes) -> { }, topic -> true);
  }

  /**
   * @param onOversized told of each PUBLISH emptied for being over the cap, on the reading thread; must not block
   * @param wanted whether the payload of a PUBLISH on a topic is wanted at all, on the reading thread; must not block
   */
  InboundGuard(InputStream in, LongSupplier nanos, Consumer<InboundViolation> onViolation, Oversized onOversized,
      java.util.function.Predicate<String> wanted) {
    super(in);
    this.nanos = nanos;
    this.onViolation = onViolation;
    this.onOversized = onOversized;
    this.wanted = wanted;
  }

  @Override
  public int read() throws IOException {
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int offset, int count) throws IOException {
    reader = Thread.currentThread();
    if (failed != null) {
      throw failed;
    }
    if (count == 0) {
      return 0;
    }
    try {
      if (servePos < serveLen) {
        return served(buffer, offset, count);
      }
      if (part == Part.BODY) {
        // the bulk of a packet: counted, not looked at
        int n = in.read(buffer, offset, (int) Math.min(count, remaining));
        if (n < 0) {
          ended = true;
          return -1;
        }
        remaining -= n;
        if (remaining == 0) {
          end();
        }
        return n;
      }
      while (true) {
        if (!dropped() || !head()) {
          ended = true;
          return -1;
        }
        if (servePos < serveLen) {
          return served(buffer, offset, count);
        }
        // a PUBLISH skipped whole: on to the next packet
      }
    } catch (java.net.SocketTimeoutException e) {
      throw e; // nothing arrived for a while: what was read of a head is kept for the next read
    } catch (IOException e) {
      ended = true;
      throw e;
    }
  }

  private int served(byte[] buffer, int offset, int count) {
    int n = Math.min(count, serveLen - servePos);
    System.arraycopy(serve, servePos, buffer, offset, n);
    servePos += n;
    if (servePos == serveLen && part == Part.HEADER && discard == 0) {
      end(); // a packet whose head is all of it
    }
    return n;
  }

  /** Reads and drops what is left of an emptied PUBLISH's payload; false at the end of the stream. */
  private boolean dropped() throws IOException {
    while (discard > 0) {
      if (scratch == null) {
        scratch = new byte[4096];
      }
      int n = in.read(scratch, 0, (int) Math.min(scratch.length, discard));
      if (n < 0) {
        return false;
      }
      discard -= n;
    }
    if (inPacket && part == Part.HEADER && servePos == serveLen) {
      end();
    }
    return true;
  }

  /** Reads the next packet's head and checks it, then sets it to be served; false at the end of the stream. */
  private boolean head() throws IOException {
    while (true) {
      int need = switch (part) {
        case HEADER, LENGTH -> 1;
        case TOPIC_LENGTH -> 2 - (headLen - lengthBytes - 1);
        case TOPIC -> topicLength - (headLen - lengthBytes - 3);
        case PACKET_ID -> 2 - idBytes;
        case BODY -> throw new IllegalStateException("a body is not a head");
      };
      int n = in.read(head, headLen, need);
      if (n < 0) {
        return false;
      }
      for (int i = 0; i < n; i++) {
        if (check(head[headLen++] & 0xff)) {
          return true;
        }
      }
    }
  }

  /** Unsupported: skipping would pass bytes unframed; the client never skips. */
  @Override
  public long skip(long n) throws IOException {
    long skipped = 0;
    while (skipped < n && read() >= 0) {
      skipped++;
    }
    return skipped;
  }

  @Override
  public int available() throws IOException {
    return serveLen - servePos;
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

  /** One byte of a head; true when the head is complete and set to be served. */
  private boolean check(int b) throws InboundViolation {
    return switch (part) {
      case HEADER -> header(b);
      case LENGTH -> length(b);
      case TOPIC_LENGTH -> topicLength(b);
      case TOPIC -> topic(b);
      case PACKET_ID -> packetId();
      case BODY -> throw new IllegalStateException("a body is not a head");
    };
  }

  private boolean header(int b) throws InboundViolation {
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
    return false;
  }

  private boolean length(int b) throws InboundViolation {
    length |= (long) (b & 0x7f) << (7 * lengthBytes);
    lengthBytes++;
    if ((b & 0x80) != 0) {
      if (lengthBytes == 4) {
        throw violation("remaining length runs past four bytes");
      }
      return false;
    }
    // a PUBLISH may be as long as MQTT allows: one over the cap is emptied, not refused
    long most = switch (type) {
      case PUBLISH -> Long.MAX_VALUE;
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
          + (least == most ? "exactly " + least : most == Long.MAX_VALUE ? "at least " + least : least + " to " + most));
    }
    remaining = length;
    if (type == PUBLISH) {
      part = Part.TOPIC_LENGTH;
      topicLength = 0;
      return false;
    }
    return headRead(Pass.WHOLE);
  }

  private boolean topicLength(int b) throws InboundViolation {
    topicLength = topicLength << 8 | b;
    remaining--;
    if (headLen - lengthBytes - 1 < 2) {
      return false;
    }
    long after = remaining - topicLength - (qos > 0 ? 2 : 0);
    if (topicLength == 0 || topicLength > ControlLimits.MAX_TOPIC_BYTES || after < 0) {
      throw violation("PUBLISH topic of " + topicLength + " bytes in a packet of " + length
          + "; a topic is 1 to " + ControlLimits.MAX_TOPIC_BYTES + " bytes within its packet");
    }
    part = Part.TOPIC;
    return false;
  }

  private boolean topic(int b) throws InboundViolation {
    if (b < 0x20 || b > 0x7e || b == '+' || b == '#') {
      throw violation(String.format("PUBLISH topic with the byte 0x%02x; the pole's topics are printable ASCII without wildcards", b));
    }
    remaining--;
    if (headLen - lengthBytes - 3 < topicLength) {
      return false;
    }
    if (qos > 0) {
      part = Part.PACKET_ID;
      idBytes = 0;
      return false;
    }
    return headRead(publishPass());
  }

  private boolean packetId() {
    remaining--;
    return ++idBytes == 2 && headRead(publishPass());
  }

  /** What becomes of a PUBLISH whose head is read: over the cap, emptied; not wanted, skipped (QoS 0) or emptied; else whole. */
  private Pass publishPass() {
    String topic = new String(head, 1 + lengthBytes + 2, topicLength, java.nio.charset.StandardCharsets.US_ASCII);
    if (remaining > ControlLimits.MAX_CONTROL_MESSAGE_BYTES) {
      onOversized.emptied(topic, remaining);
      return Pass.EMPTIED;
    }
    if (remaining > 0 && !wanted.test(topic)) { // an empty one (a retained message cleared) costs nothing to pass
      return qos == 0 ? Pass.SKIPPED : Pass.EMPTIED;
    }
    return Pass.WHOLE;
  }

  /** The head is read and checked: served as read, rewritten with no payload (emptied), or not at all (skipped). */
  private boolean headRead(Pass pass) {
    serve = head;
    servePos = 0;
    serveLen = headLen;
    headLen = 0;
    if (pass == Pass.SKIPPED) {
      serveLen = 0;
      discard = remaining;
      remaining = 0;
      part = Part.HEADER;
    } else if (pass == Pass.EMPTIED) {
      // the same PUBLISH without its payload: a shorter remaining length (at most 516, two bytes)
      int body = 2 + topicLength + (qos > 0 ? 2 : 0);
      int lengthOut = body < 128 ? 1 : 2;
      byte[] rewritten = new byte[1 + lengthOut + body];
      rewritten[0] = head[0];
      if (lengthOut == 1) {
        rewritten[1] = (byte) body;
      } else {
        rewritten[1] = (byte) (0x80 | body & 0x7f);
        rewritten[2] = (byte) (body >>> 7);
      }
      System.arraycopy(head, 1 + lengthBytes, rewritten, 1 + lengthOut, body);
      serve = rewritten;
      serveLen = rewritten.length;
      discard = remaining;
      remaining = 0;
      part = Part.HEADER;
    } else if (remaining == 0) {
      part = Part.HEADER;
    } else {
      part = Part.BODY;
    }
    return true;
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

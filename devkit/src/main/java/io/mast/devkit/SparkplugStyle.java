package io.mast.devkit;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.mast.protocol.Channel;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.Reading;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Sparkplug B payloads for the backlog drain's comparison, as Eclipse Tahu's
 * {@code sparkplug_b.proto} defines them, written with protobuf-java's wire codec (the bench
 * uses two messages and eight of their fields, not the generated classes of the whole schema).
 *
 * <pre>
 * Payload: 1 timestamp (uint64, ms), 2 metrics (repeated Metric), 3 seq (uint64, 0..255)
 * Metric:  1 name (string), 2 alias (uint64), 3 timestamp (uint64, ms), 4 datatype (uint32),
 *          5 is_historical (bool), 11 long_value (uint64), 13 double_value (double)
 * </pre>
 *
 * <p>As the specification has it: the birth names every metric with its alias and datatype; each
 * data message then carries one metric per reading with its alias, its own timestamp and its
 * value, no name and no datatype; readings from a store are marked historical. An integer
 * channel's value is an Int64, a decimal one's a Double.
 */
final class SparkplugStyle {
  static final int INT64 = 4;
  static final int DOUBLE = 10;

  private SparkplugStyle() {}

  /** The node's birth: each channel's name, alias (its id), datatype and a zero value. */
  static byte[] birth(ChannelProfile profile, long nowMs) {
    return payload(nowMs, 0, out -> {
      for (Channel c : profile.channels()) {
        metric(out, m -> {
          m.writeString(1, c.name());
          m.writeUInt64(2, c.id());
          m.writeUInt64(3, nowMs);
          m.writeUInt32(4, c.exponent() == 0 ? INT64 : DOUBLE);
          value(m, c, 0);
        });
      }
    });
  }

  /** A data message of {@code readings}, historical, with the message number {@code seq} (mod 256). */
  static byte[] data(ChannelProfile profile, List<Reading> readings, long nowMs, long seq) {
    return payload(nowMs, seq % 256, out -> {
      for (Reading r : readings) {
        metric(out, m -> {
          m.writeUInt64(2, r.channel());
          m.writeUInt64(3, r.time() * 1000);
          m.writeBool(5, true);
          value(m, profile.channel(r.channel()), r.mantissa());
        });
      }
    });
  }

  private static void value(CodedOutputStream m, Channel c, long mantissa) throws IOException {
    if (c.exponent() == 0) {
      m.writeUInt64(11, mantissa);
    } else {
      m.writeDouble(13, BigDecimal.valueOf(mantissa, -c.exponent()).doubleValue());
    }
  }

  /** The (alias, timestamp) of each metric of a data message. */
  static List<long[]> metrics(byte[] payload) throws IOException {
    List<long[]> metrics = new ArrayList<>();
    CodedInputStream in = CodedInputStream.newInstance(payload);
    for (int tag; (tag = in.readTag()) != 0; ) {
      if (WireFormat.getTagFieldNumber(tag) != 2) {
        in.skipField(tag);
        continue;
      }
      CodedInputStream m = CodedInputStream.newInstance(in.readByteArray());
      long[] at = {-1, -1};
      for (int t; (t = m.readTag()) != 0; ) {
        switch (WireFormat.getTagFieldNumber(t)) {
          case 2 -> at[0] = m.readUInt64();
          case 3 -> at[1] = m.readUInt64();
          default -> m.skipField(t);
        }
      }
      metrics.add(at);
    }
    return metrics;
  }

  private interface Body {
    void write(CodedOutputStream out) throws IOException;
  }

  private static byte[] payload(long nowMs, long seq, Body metrics) {
    return bytes(out -> {
      out.writeUInt64(1, nowMs);
      metrics.write(out);
      out.writeUInt64(3, seq);
    });
  }

  private static void metric(CodedOutputStream out, Body fields) throws IOException {
    out.writeByteArray(2, bytes(fields));
  }

  private static byte[] bytes(Body body) {
    try {
      ByteArrayOutputStream buffer = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(buffer);
      body.write(out);
      out.flush();
      return buffer.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

package io.mast.store.internal;

import io.mast.protocol.Reading;
import io.mast.store.AlarmEvent;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The payloads of the two lanes' records. Varints are LEB128 (7 bits per byte, low group first);
 * signed values are zigzag-mapped first, so small negatives stay short.
 *
 * <p>Readings lane, one or more readings sampled together:
 * <pre>
 * field            encoding
 * channel          uvarint
 * time             uvarint Unix seconds for the first reading; zigzag varint difference from
 *                  the previous reading's time for the others
 * mantissa         zigzag varint
 * ... repeated to the end of the payload
 * </pre>
 *
 * <p>A <b>frame cut</b> is a readings-lane record whose payload is the single byte {@code 0x80}
 * (a varint that never ends, so no readings payload can be it). It holds no readings; it tells
 * the forwarder that the readings before it close a frame (see {@code io.mast.runtime.uplink.FrameCutter}).
 *
 * <p>Alarms lane, one alarm transition:
 * <pre>
 * field            encoding
 * rule             uvarint: the index of the alarm rule in the device config
 * state            1 byte: 1 raised, 0 cleared
 * threshold        zigzag varint, a mantissa at the channel's exponent
 * reading          channel uvarint, time uvarint, mantissa zigzag varint
 * </pre>
 *
 * <p>A reading of a 10-second sensor takes 8 bytes or so; the record around it adds 20.
 */
public final class Payloads {
  private Payloads() {}

  /** A payload that does not decode: a record whose CRC held but whose content is not ours. */
  public static final class BadPayloadException extends java.io.IOException {
    BadPayloadException(String message) {
      super(message);
    }
  }

  /** The payload of a frame cut. */
  public static final byte CUT = (byte) 0x80;

  public static ByteBuffer cut() {
    return ByteBuffer.wrap(new byte[] {CUT});
  }

  public static ByteBuffer readings(List<Reading> readings) {
    if (readings.isEmpty()) {
      throw new IllegalArgumentException("a record needs at least one reading");
    }
    ByteBuffer b = ByteBuffer.allocate(readings.size() * 21);
    long previousTime = 0;
    for (int i = 0; i < readings.size(); i++) {
      Reading r = readings.get(i);
      if (r.time() < 0) {
        throw new IllegalArgumentException("reading time " + r.time() + " is before 1970");
      }
      putUnsigned(b, r.channel());
      if (i == 0) {
        putUnsigned(b, r.time());
      } else {
        putSigned(b, r.time() - previousTime);
      }
      putSigned(b, r.mantissa());
      previousTime = r.time();
    }
    return b.flip();
  }

  /** The readings of a payload; none for a frame cut. */
  public static List<Reading> readings(ByteBuffer payload) throws BadPayloadException {
    List<Reading> out = new ArrayList<>();
    if (payload.remaining() == 1 && payload.get(payload.position()) == CUT) {
      return out;
    }
    try {
      long time = 0;
      while (payload.hasRemaining()) {
        int channel = channel(getUnsigned(payload));
        time = out.isEmpty() ? getUnsigned(payload) : time + getSigned(payload);
        out.add(new Reading(channel, time, getSigned(payload)));
      }
    } catch (BufferUnderflowException e) {
      throw new BadPayloadException("readings payload ends inside reading " + (out.size() + 1));
    }
    return out;
  }

  public static ByteBuffer alarm(AlarmEvent alarm) {
    ByteBuffer b = ByteBuffer.allocate(40);
    putUnsigned(b, alarm.rule());
    b.put((byte) (alarm.raised() ? 1 : 0));
    putSigned(b, alarm.threshold());
    Reading r = alarm.reading();
    putUnsigned(b, r.channel());
    putUnsigned(b, r.time());
    putSigned(b, r.mantissa());
    return b.flip();
  }

  public static AlarmEvent alarm(ByteBuffer payload) throws BadPayloadException {
    try {
      int rule = (int) Math.min(Integer.MAX_VALUE, getUnsigned(payload));
      byte state = payload.get();
      if (state != 0 && state != 1) {
        throw new BadPayloadException("alarm state byte " + state + " is neither 0 nor 1");
      }
      long threshold = getSigned(payload);
      Reading r = new Reading(channel(getUnsigned(payload)), getUnsigned(payload), getSigned(payload));
      if (payload.hasRemaining()) {
        throw new BadPayloadException("alarm payload has " + payload.remaining() + " bytes after its reading");
      }
      return new AlarmEvent(rule, state == 1, threshold, r);
    } catch (BufferUnderflowException e) {
      throw new BadPayloadException("alarm payload is truncated");
    }
  }

  private static int channel(long value) throws BadPayloadException {
    if (value > Integer.MAX_VALUE) {
      throw new BadPayloadException("channel id " + value + " is out of range");
    }
    return (int) value;
  }

  public static void putUnsigned(ByteBuffer b, long v) {
    while ((v & ~0x7FL) != 0) {
      b.put((byte) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    b.put((byte) v);
  }

  public static void putSigned(ByteBuffer b, long v) {
    putUnsigned(b, (v << 1) ^ (v >> 63));
  }

  public static long getUnsigned(ByteBuffer b) throws BadPayloadException {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      byte x = b.get();
      v |= (long) (x & 0x7F) << shift;
      if (x >= 0) {
        return v;
      }
    }
    throw new BadPayloadException("varint longer than 10 bytes");
  }

  public static long getSigned(ByteBuffer b) throws BadPayloadException {
    long v = getUnsigned(b);
    return (v >>> 1) ^ -(v & 1);
  }
}

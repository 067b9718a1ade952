package io.mast.drivers.codec;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;

/** Fixture helpers: bytes written as the standards print them, and a decoder fed in chunks. */
final class Hex {
  private Hex() {}

  /** "FE 68 10" as bytes; anything but hex digits separates. */
  static byte[] bytes(String text) {
    String digits = text.replaceAll("[^0-9A-Fa-f]", "");
    byte[] out = new byte[digits.length() / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) Integer.parseInt(digits.substring(2 * i, 2 * i + 2), 16);
    }
    return out;
  }

  static byte[] concat(byte[]... parts) {
    return ByteArrays.concat(parts);
  }

  /**
   * {@code wire} with byte {@code at} (the first 68 is 0, after any FE preamble) set to
   * {@code value} and the checksum mended, so that only that field is wrong.
   */
  static byte[] patch(byte[] wire, int at, int value) {
    byte[] out = wire.clone();
    out[start(out) + at] = (byte) value;
    return rechecksum(out);
  }

  /** {@code wire} with its checksum (the byte before the stop byte) made right again. */
  static byte[] rechecksum(byte[] wire) {
    int sum = 0;
    for (int i = start(wire); i < wire.length - 2; i++) {
      sum += wire[i] & 0xFF;
    }
    byte[] out = wire.clone();
    out[out.length - 2] = (byte) sum;
    return out;
  }

  private static int start(byte[] wire) {
    int i = 0;
    while ((wire[i] & 0xFF) == 0xFE) {
      i++;
    }
    return i;
  }

  /** Every frame {@code decoder} makes of {@code stream} written {@code chunk} bytes at a time. */
  static <F extends MeterFrame> List<F> decode(MeterFrameDecoder<F> decoder, byte[] stream, int chunk) {
    EmbeddedChannel channel = new EmbeddedChannel(decoder);
    for (int i = 0; i < stream.length; i += chunk) {
      channel.writeInbound(Unpooled.wrappedBuffer(stream, i, Math.min(chunk, stream.length - i)));
    }
    List<F> frames = new ArrayList<>();
    Object f;
    while ((f = channel.readInbound()) != null) {
      @SuppressWarnings("unchecked")
      F frame = (F) f;
      frames.add(frame);
    }
    return frames;
  }
}

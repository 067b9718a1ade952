package io.mast.drivers.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The framing the two Chinese meter standards share: any number of 0xFE wake-up bytes, a start
 * byte 0x68, a fixed header whose last byte is the data length L, L data bytes, a checksum (the
 * sum of every byte from the first 0x68 to the last data byte, mod 256) and the stop byte 0x16.
 * {@link Cjt188FrameDecoder} and {@link Dlt645FrameDecoder} give the header's shape.
 *
 * <p>Bytes that start no frame are discarded and counted as {@link MeterRejection#GARBAGE} (the
 * FE preamble is skipped without counting). A start whose length field is above the cap, whose
 * second 0x68 is missing (DL/T 645), whose checksum fails or whose stop byte is wrong is counted
 * under its reason and the decoder resynchronises one byte further, so garbage that happens to
 * contain 0x68 costs only the bytes up to the real frame. A stray 0x68 whose length field asks
 * for more bytes than have come does not hold up a whole good frame that has come behind it: that
 * frame is taken and the bytes before it counted as garbage. Nothing longer than the header, the
 * capped length and two bytes is ever buffered. Not thread safe (one channel, one thread).
 */
public abstract class MeterFrameDecoder<F extends MeterFrame> extends ByteToMessageDecoder {
  public static final int PREAMBLE = 0xFE;
  public static final int START = 0x68;
  public static final int STOP = 0x16;

  private final int header;
  private final int secondStartAt;
  private final int maxLength;
  private final Map<MeterRejection, Long> rejections = new EnumMap<>(MeterRejection.class);

  /**
   * {@code header}: bytes from the first 0x68 to the length byte, both included;
   * {@code secondStartAt}: offset of a second 0x68 in the header, or -1; {@code maxLength}: the
   * largest length field the standard allows.
   */
  MeterFrameDecoder(int header, int secondStartAt, int maxLength) {
    this.header = header;
    this.secondStartAt = secondStartAt;
    this.maxLength = maxLength;
  }

  @Override
  protected final void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (in.isReadable()) {
      int r = in.readerIndex();
      int first = in.getUnsignedByte(r);
      if (first == PREAMBLE) {
        in.skipBytes(1);
        continue;
      }
      if (first != START) {
        reject(in, MeterRejection.GARBAGE);
        continue;
      }
      int size = check(in, r);
      if (size == INCOMPLETE) {
        if (!skipToLaterFrame(in, r)) {
          return;
        }
        continue;
      }
      if (size < 0) {
        reject(in, REASONS[-size - 2]);
        continue;
      }
      byte[] frame = new byte[size];
      in.readBytes(frame);
      out.add(frame(frame));
    }
  }

  private static final int INCOMPLETE = -1;
  private static final MeterRejection[] REASONS = {MeterRejection.NO_SECOND_START, MeterRejection.BAD_LENGTH,
      MeterRejection.BAD_CHECKSUM, MeterRejection.NO_STOP};

  /**
   * The size of the frame starting at {@code at} when it is whole and good; {@link #INCOMPLETE}
   * while bytes are missing; otherwise {@code -2 - i}, with {@code i} the index of its reason in
   * {@link #REASONS}.
   */
  private int check(ByteBuf in, int at) {
    int readable = in.writerIndex() - at;
    if (secondStartAt > 0 && readable > secondStartAt && in.getUnsignedByte(at + secondStartAt) != START) {
      return -2;
    }
    if (readable < header) {
      return INCOMPLETE;
    }
    int length = in.getUnsignedByte(at + header - 1);
    if (length > maxLength) {
      return -3;
    }
    int size = header + length + 2;
    if (readable < size) {
      return INCOMPLETE;
    }
    int sum = 0;
    for (int i = 0; i < header + length; i++) {
      sum += in.getUnsignedByte(at + i);
    }
    if ((sum & 0xFF) != in.getUnsignedByte(at + size - 2)) {
      return -4;
    }
    return in.getUnsignedByte(at + size - 1) == STOP ? size : -5;
  }

  /**
   * While the frame that seems to start at {@code r} waits for its bytes, a whole good frame
   * further on means that start was a stray 0x68 in garbage (its length field would otherwise
   * hold the real answer hostage until more bytes came, and on a polled bus none come): the bytes
   * before the good frame are dropped as garbage. Returns whether it skipped.
   */
  private boolean skipToLaterFrame(ByteBuf in, int r) {
    for (int j = r + 1; j < in.writerIndex(); j++) {
      if (in.getUnsignedByte(j) == START && check(in, j) > 0) {
        int skipped = j - r;
        in.skipBytes(skipped);
        rejections.merge(MeterRejection.GARBAGE, (long) skipped, Long::sum);
        return true;
      }
    }
    return false;
  }

  /** The frame of {@code bytes}: start byte to stop byte, checked. */
  abstract F frame(byte[] bytes);

  private void reject(ByteBuf in, MeterRejection reason) {
    in.skipBytes(1);
    rejections.merge(reason, 1L, Long::sum);
  }

  /** How many times each framing reason was seen, since this decoder was made. */
  public final Map<MeterRejection, Long> rejections() {
    return new EnumMap<>(rejections);
  }

  /** Frames dropped because their checksum failed. */
  public final long checksumErrors() {
    return rejections.getOrDefault(MeterRejection.BAD_CHECKSUM, 0L);
  }

  /** Bytes dropped for any reason other than the preamble: garbage and the first byte of each bad frame. */
  public final long discardedBytes() {
    long sum = 0;
    for (long n : rejections.values()) {
      sum += n;
    }
    return sum;
  }

  /**
   * {@code body} (first 0x68 up to the last data byte) framed for the wire: {@code preamble}
   * bytes FE, the body, its checksum and 0x16.
   */
  static byte[] wire(int preamble, byte[] body) {
    byte[] out = new byte[preamble + body.length + 2];
    java.util.Arrays.fill(out, 0, preamble, (byte) PREAMBLE);
    System.arraycopy(body, 0, out, preamble, body.length);
    int sum = 0;
    for (byte b : body) {
      sum += b & 0xFF;
    }
    out[preamble + body.length] = (byte) sum;
    out[preamble + body.length + 1] = STOP;
    return out;
  }
}

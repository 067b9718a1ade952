package io.mast.drivers.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Frames a Plantower PMS5003's byte stream into {@link Pms5003Frame}s.
 *
 * <pre>
 * offset  size  field (all words unsigned, big-endian)
 *      0     2  start: 0x42 0x4D ("BM")
 *      2     2  length of what follows: 28 (13 data words and the checksum)
 *      4     2  PM1.0 ug/m3, CF=1
 *      6     2  PM2.5 ug/m3, CF=1
 *      8     2  PM10 ug/m3, CF=1
 *     10     2  PM1.0 ug/m3, atmospheric environment
 *     12     2  PM2.5 ug/m3, atmospheric environment
 *     14     2  PM10 ug/m3, atmospheric environment
 *     16     2  particles above 0.3 um per 0.1 L of air
 *     18     2  particles above 0.5 um
 *     20     2  particles above 1.0 um
 *     22     2  particles above 2.5 um
 *     24     2  particles above 5.0 um
 *     26     2  particles above 10 um
 *     28     2  reserved
 *     30     2  checksum: sum of bytes 0..29
 * </pre>
 *
 * <p>Bytes before a start are discarded and counted. A start with a length other than 28 or a
 * frame whose checksum fails is counted and the decoder resynchronises one byte further, so a
 * garbled frame costs that frame only. Frames are fixed at 32 bytes: nothing longer is ever
 * buffered. The counters are read by the driver's thread after decoding; they are not
 * synchronized, like the decoder itself (one channel, one thread).
 */
public final class Pms5003Decoder extends ByteToMessageDecoder {
  static final int FRAME = 32;
  static final int LENGTH = 28;

  private long discardedBytes;
  private long lengthErrors;
  private long checksumErrors;

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (in.readableBytes() >= 2) {
      int r = in.readerIndex();
      if (in.getUnsignedByte(r) != 0x42 || in.getUnsignedByte(r + 1) != 0x4D) {
        in.skipBytes(1);
        discardedBytes++;
        continue;
      }
      if (in.readableBytes() < 4) {
        return;
      }
      if (in.getUnsignedShort(r + 2) != LENGTH) {
        lengthErrors++;
        in.skipBytes(1);
        discardedBytes++;
        continue;
      }
      if (in.readableBytes() < FRAME) {
        return;
      }
      int sum = 0;
      for (int i = 0; i < FRAME - 2; i++) {
        sum += in.getUnsignedByte(r + i);
      }
      if ((sum & 0xFFFF) != in.getUnsignedShort(r + FRAME - 2)) {
        checksumErrors++;
        in.skipBytes(1);
        discardedBytes++;
        continue;
      }
      out.add(new Pms5003Frame(word(in, 0), word(in, 1), word(in, 2), word(in, 3), word(in, 4), word(in, 5),
          word(in, 6), word(in, 7), word(in, 8), word(in, 9), word(in, 10), word(in, 11)));
      in.skipBytes(FRAME);
    }
  }

  private static int word(ByteBuf in, int index) {
    return in.getUnsignedShort(in.readerIndex() + 4 + 2 * index);
  }

  /** Bytes dropped while looking for a frame start (garbage, and the first byte of bad frames). */
  public long discardedBytes() {
    return discardedBytes;
  }

  /** Starts whose length field was not 28. */
  public long lengthErrors() {
    return lengthErrors;
  }

  /** Whole frames whose checksum did not match. */
  public long checksumErrors() {
    return checksumErrors;
  }

  /** The command that puts the sensor in passive mode (it then answers {@link #READ_REQUEST}s only). */
  public static final byte[] PASSIVE_MODE = command(0xE1, 0);

  /** The command that asks a sensor in passive mode for one frame. */
  public static final byte[] READ_REQUEST = command(0xE2, 0);

  /** A 7-byte host command: 0x42 0x4D, command, data (2 bytes), sum of the first 5 bytes (2 bytes). */
  static byte[] command(int cmd, int data) {
    byte[] b = {0x42, 0x4D, (byte) cmd, (byte) (data >> 8), (byte) data, 0, 0};
    int sum = 0;
    for (int i = 0; i < 5; i++) {
      sum += b[i] & 0xFF;
    }
    b[5] = (byte) (sum >> 8);
    b[6] = (byte) sum;
    return b;
  }
}

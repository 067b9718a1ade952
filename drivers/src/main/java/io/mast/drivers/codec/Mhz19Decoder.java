package io.mast.drivers.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Frames a Winsen MH-Z19's answers to {@link #READ_CO2} into {@link Mhz19Reading}s.
 *
 * <pre>
 * offset  size  field
 *      0     1  start: 0xFF
 *      1     1  command answered: 0x86 (read CO2)
 *      2     2  CO2 ppm, big-endian
 *      4     1  temperature + 40 degC
 *      5     1  status
 *      6     2  unused
 *      8     1  checksum: 0x100 minus the sum of bytes 1..7, low 8 bits
 * </pre>
 *
 * <p>Bytes before a start are discarded and counted; a frame whose checksum fails is counted and
 * the decoder resynchronises one byte further. Frames are fixed at 9 bytes. Not thread safe, and
 * its counters are read by the driver's thread.
 */
public final class Mhz19Decoder extends ByteToMessageDecoder {
  static final int FRAME = 9;

  /** Read CO2: 0xFF, sensor 0x01, command 0x86, five zeros, checksum 0x79. */
  public static final byte[] READ_CO2 = {(byte) 0xFF, 0x01, (byte) 0x86, 0, 0, 0, 0, 0, 0x79};

  private long discardedBytes;
  private long checksumErrors;

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (in.readableBytes() >= 2) {
      int r = in.readerIndex();
      if (in.getUnsignedByte(r) != 0xFF || in.getUnsignedByte(r + 1) != 0x86) {
        in.skipBytes(1);
        discardedBytes++;
        continue;
      }
      if (in.readableBytes() < FRAME) {
        return;
      }
      if (checksum(in, r) != in.getUnsignedByte(r + 8)) {
        checksumErrors++;
        in.skipBytes(1);
        discardedBytes++;
        continue;
      }
      out.add(new Mhz19Reading(in.getUnsignedShort(r + 2), in.getUnsignedByte(r + 4) - 40));
      in.skipBytes(FRAME);
    }
  }

  /** The checksum of the 9-byte frame at {@code r}: minus the sum of bytes 1..7, low 8 bits. */
  static int checksum(ByteBuf in, int r) {
    int sum = 0;
    for (int i = 1; i < 8; i++) {
      sum += in.getUnsignedByte(r + i);
    }
    return -sum & 0xFF;
  }

  /** Bytes dropped while looking for a frame start (garbage, and the first byte of bad frames). */
  public long discardedBytes() {
    return discardedBytes;
  }

  /** Whole frames whose checksum did not match. */
  public long checksumErrors() {
    return checksumErrors;
  }
}

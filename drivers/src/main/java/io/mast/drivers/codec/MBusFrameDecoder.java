package io.mast.drivers.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Frames a wired M-Bus byte stream (EN 13757-2, FT 1.2) into {@link MBusFrame}s, and encodes the
 * master's requests.
 *
 * <pre>
 * single character   E5                                   acknowledgement
 * short frame        10  C  A  CS  16                     SND_NKE, REQ_UD2
 * long frame         68  L  L  68  C  A  CI  data...  CS  16
 *                        L = bytes from C to the end of data (3..255), sent twice
 *                        CS = sum of the bytes from C to the end of data, low 8 bits
 * </pre>
 *
 * <p>Bytes that start no frame are discarded and counted. A long frame whose two length bytes
 * differ, whose length is below 3, whose checksum fails or whose stop byte is not 0x16 is counted
 * and the decoder resynchronises one byte further. The length field caps a frame at 261 bytes.
 * Not thread safe.
 */
public final class MBusFrameDecoder extends ByteToMessageDecoder {
  public static final int ACK = 0xE5;
  public static final int SHORT_START = 0x10;
  public static final int LONG_START = 0x68;
  public static final int STOP = 0x16;
  /** Control field of SND_NKE (link reset). */
  public static final int SND_NKE = 0x40;
  /** Control field of REQ_UD2 (request class 2 data) with the frame count bit clear; 0x7B with it set. */
  public static final int REQ_UD2 = 0x5B;
  /** Control field of RSP_UD (the meter's answer), access demand and data flow bits clear. */
  public static final int RSP_UD = 0x08;
  /** CI field of a variable data response with the 12-byte long header. */
  public static final int CI_VARIABLE_DATA = 0x72;

  private long discardedBytes;
  private long checksumErrors;

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (in.isReadable()) {
      int r = in.readerIndex();
      int start = in.getUnsignedByte(r);
      if (start == ACK) {
        in.skipBytes(1);
        out.add(new MBusFrame(MBusFrame.Type.ACK, 0, 0, new byte[] {(byte) ACK}));
      } else if (start == SHORT_START) {
        if (in.readableBytes() < 5) {
          return;
        }
        if (!frameEndsWell(in, r + 1, 2, r + 4)) {
          continue;
        }
        out.add(frame(in, MBusFrame.Type.SHORT, r + 1, 5));
      } else if (start == LONG_START) {
        if (in.readableBytes() < 4) {
          return;
        }
        int length = in.getUnsignedByte(r + 1);
        if (length < 3 || length != in.getUnsignedByte(r + 2) || in.getUnsignedByte(r + 3) != LONG_START) {
          drop(in);
          continue;
        }
        if (in.readableBytes() < length + 6) {
          return;
        }
        if (!frameEndsWell(in, r + 4, length, r + 4 + length + 1)) {
          continue;
        }
        out.add(frame(in, MBusFrame.Type.LONG, r + 4, length + 6));
      } else {
        drop(in);
      }
    }
  }

  private boolean frameEndsWell(ByteBuf in, int from, int count, int stopAt) {
    if (in.getUnsignedByte(stopAt) != STOP) {
      drop(in);
      return false;
    }
    if (checksum(in, from, count) != in.getUnsignedByte(stopAt - 1)) {
      checksumErrors++;
      drop(in);
      return false;
    }
    return true;
  }

  private static MBusFrame frame(ByteBuf in, MBusFrame.Type type, int controlAt, int size) {
    int control = in.getUnsignedByte(controlAt);
    int address = in.getUnsignedByte(controlAt + 1);
    byte[] bytes = new byte[size];
    in.readBytes(bytes);
    return new MBusFrame(type, control, address, bytes);
  }

  private void drop(ByteBuf in) {
    in.skipBytes(1);
    discardedBytes++;
  }

  private static int checksum(ByteBuf in, int from, int count) {
    int sum = 0;
    for (int i = 0; i < count; i++) {
      sum += in.getUnsignedByte(from + i);
    }
    return sum & 0xFF;
  }

  /** A short frame: start, C, A, checksum, stop. */
  public static byte[] shortFrame(int control, int address) {
    return new byte[] {SHORT_START, (byte) control, (byte) address, (byte) (control + address), STOP};
  }

  /** A long frame around {@code userData} (CI field onwards). */
  public static byte[] longFrame(int control, int address, byte[] userData) {
    int length = userData.length + 2;
    if (length > 255) {
      throw new IllegalArgumentException("M-Bus user data of " + userData.length + " bytes exceeds the maximum 253");
    }
    byte[] frame = new byte[length + 6];
    frame[0] = LONG_START;
    frame[1] = (byte) length;
    frame[2] = (byte) length;
    frame[3] = LONG_START;
    frame[4] = (byte) control;
    frame[5] = (byte) address;
    System.arraycopy(userData, 0, frame, 6, userData.length);
    int sum = 0;
    for (int i = 4; i < 4 + length; i++) {
      sum += frame[i] & 0xFF;
    }
    frame[length + 4] = (byte) sum;
    frame[length + 5] = STOP;
    return frame;
  }

  /** Bytes dropped while looking for a frame start, including the first byte of each bad frame. */
  public long discardedBytes() {
    return discardedBytes;
  }

  /** Frames dropped because their checksum failed. */
  public long checksumErrors() {
    return checksumErrors;
  }
}

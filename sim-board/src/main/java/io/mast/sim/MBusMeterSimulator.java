package io.mast.sim;

import io.mast.drivers.codec.DecoderChannels;
import io.mast.drivers.codec.MBusFrame;
import io.mast.drivers.codec.MBusFrameDecoder;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Simulated wired M-Bus meters (heat or water meters) on one bus, each at its primary address.
 * SND_NKE is acknowledged with E5; REQ_UD2 is answered with an RSP_UD long frame carrying a
 * variable data structure with the 12-byte long header and four records.
 *
 * <pre>
 * CI 72 | id 4 bytes BCD, LSB first | manufacturer 2 | version | medium 0x04 (heat) | access no | status | signature 00 00
 * 04 13 vvvvvvvv   volume, 32-bit integer, 0.001 m3        (DIF 04: 32-bit, VIF 13: 10^-3 m3)
 * 04 06 eeeeeeee   energy, 32-bit integer, kWh              (VIF 06: 10^3 Wh)
 * 02 3B ffff       volume flow, 16-bit integer, 0.001 m3/h  (VIF 3B: 10^-3 m3/h)
 * 02 2B pppp       power, 16-bit integer, W                 (VIF 2B: 10^0 W)
 * </pre>
 */
public final class MBusMeterSimulator extends DeviceSimulator {
  private final EmbeddedChannel decoder = DecoderChannels.of(new MBusFrameDecoder());
  private final Map<Integer, long[]> meters = new ConcurrentHashMap<>();
  private int accessNumber;

  public MBusMeterSimulator() {
    super("mbus");
  }

  /** Adds (or resets) the meter at {@code address} with serial number {@code serial} (8 BCD digits). */
  public void addMeter(int address, long serial) {
    meters.put(address, new long[] {serial, 0, 0, 0, 0});
  }

  /** Sets a quantity of the meter: volume in 0.001 m3, energy in kWh, flow in 0.001 m3/h, power in W. */
  public void setQuantity(int address, String quantity, long value) {
    long[] m = meters.get(address);
    if (m == null) {
      throw new IllegalArgumentException("no simulated M-Bus meter at address " + address);
    }
    switch (quantity) {
      case "volume": m[1] = value; break;
      case "energy": m[2] = value; break;
      case "flow": m[3] = value; break;
      case "power": m[4] = value; break;
      default: throw new IllegalArgumentException("mbus has no quantity '" + quantity + "'");
    }
  }

  @Override
  protected void receive(byte[] bytes, int length) throws IOException {
    decoder.writeInbound(Unpooled.copiedBuffer(bytes, 0, length));
    Object message;
    while ((message = decoder.readInbound()) != null) {
      MBusFrame frame = (MBusFrame) message;
      long[] meter = meters.get(frame.address());
      if (frame.type() != MBusFrame.Type.SHORT || meter == null) {
        continue;
      }
      countRequest();
      if (frame.control() == MBusFrameDecoder.SND_NKE) {
        send(new byte[] {(byte) MBusFrameDecoder.ACK});
      } else if ((frame.control() & 0xDF) == MBusFrameDecoder.REQ_UD2) {
        send(MBusFrameDecoder.longFrame(MBusFrameDecoder.RSP_UD, frame.address(), userData(meter)));
      }
    }
  }

  private synchronized byte[] userData(long[] meter) {
    accessNumber = (accessNumber + 1) & 0xFF;
    byte[] d = new byte[13 + 6 + 6 + 4 + 4];
    int i = 0;
    d[i++] = (byte) MBusFrameDecoder.CI_VARIABLE_DATA;
    long serial = meter[0];
    for (int k = 0; k < 4; k++) {
      long two = serial % 100;
      serial /= 100;
      d[i++] = (byte) ((two / 10) << 4 | two % 10);
    }
    d[i++] = 0x2D; // manufacturer "KAM" packed: ((K-64)*32+(A-64))*32+(M-64) = 0x2C2D, LSB first
    d[i++] = 0x2C;
    d[i++] = 0x01; // version
    d[i++] = 0x04; // medium: heat
    d[i++] = (byte) accessNumber;
    d[i++] = 0x00; // status
    d[i++] = 0x00; // signature
    d[i++] = 0x00;
    i = record(d, i, 0x04, 0x13, meter[1], 4);
    i = record(d, i, 0x04, 0x06, meter[2], 4);
    i = record(d, i, 0x02, 0x3B, meter[3], 2);
    record(d, i, 0x02, 0x2B, meter[4], 2);
    return d;
  }

  private static int record(byte[] d, int i, int dif, int vif, long value, int size) {
    d[i++] = (byte) dif;
    d[i++] = (byte) vif;
    for (int k = 0; k < size; k++) {
      d[i++] = (byte) (value >> (8 * k));
    }
    return i;
  }
}

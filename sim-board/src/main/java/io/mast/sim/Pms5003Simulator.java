package io.mast.sim;

import io.mast.sim.internal.RequestBuffer;
import java.io.IOException;

/**
 * A simulated Plantower PMS5003. It powers up in active mode, sending a 32-byte frame every
 * second; the passive-mode command (0xE1, data 0) switches it to answering read requests (0xE2)
 * only, and acknowledges with the 8-byte frame {@code 42 4D 00 04 E1 00 01 74}; data 1 switches it
 * back. Commands are 7 bytes: {@code 42 4D cmd dataH dataL sumH sumL}; one with a bad sum is
 * ignored, as the sensor does.
 */
public final class Pms5003Simulator extends DeviceSimulator {
  private final RequestBuffer in = new RequestBuffer();
  private volatile int pm1 = 5;
  private volatile int pm25 = 8;
  private volatile int pm10 = 11;
  private volatile boolean active = true;
  private long lastActiveFrame;

  public Pms5003Simulator() {
    super("pms5003");
  }

  /** Sets the atmospheric concentrations (ug/m3) the next frames carry; CF=1 values follow them. */
  public void set(int pm1, int pm25, int pm10) {
    this.pm1 = pm1;
    this.pm25 = pm25;
    this.pm10 = pm10;
  }

  public void setQuantity(String quantity, long value) {
    int v = (int) Math.max(0, Math.min(0xFFFF, value));
    switch (quantity) {
      case "pm1_0": pm1 = v; break;
      case "pm2_5": pm25 = v; break;
      case "pm10": pm10 = v; break;
      default: throw new IllegalArgumentException("pms5003 has no quantity '" + quantity + "'");
    }
  }

  public boolean activeMode() {
    return active;
  }

  @Override
  protected void receive(byte[] bytes, int length) throws IOException {
    in.append(bytes, length);
    while (in.size() >= 7) {
      if (in.at(0) != 0x42 || in.at(1) != 0x4D) {
        in.drop(1);
        continue;
      }
      int sum = 0;
      for (int i = 0; i < 5; i++) {
        sum += in.at(i);
      }
      if ((in.at(5) << 8 | in.at(6)) != sum) {
        in.drop(1);
        continue;
      }
      int command = in.at(2);
      int data = in.at(4);
      in.drop(7);
      countRequest();
      if (command == 0xE1) {
        active = data == 1;
        send(frame(0xE1, data == 1 ? 1 : 0));
      } else if (command == 0xE2 && !active) {
        send(frame());
      }
    }
  }

  @Override
  protected void idle() throws IOException {
    long now = System.nanoTime();
    if (active && now - lastActiveFrame >= 1_000_000_000L) {
      lastActiveFrame = now;
      send(frame());
    }
  }

  /** The 32-byte data frame for the current values. */
  public byte[] frame() {
    int[] words = {pm1, pm25, pm10, pm1, pm25, pm10, pm25 * 60, pm25 * 18, pm25 * 3, pm10 / 2, pm10 / 8, pm10 / 20, 0x9700};
    byte[] f = new byte[32];
    f[0] = 0x42;
    f[1] = 0x4D;
    f[3] = 28;
    for (int i = 0; i < 13; i++) {
      f[4 + 2 * i] = (byte) (words[i] >> 8);
      f[5 + 2 * i] = (byte) words[i];
    }
    checksum(f);
    return f;
  }

  /** The 8-byte acknowledgement of a mode command. */
  static byte[] frame(int command, int data) {
    byte[] f = {0x42, 0x4D, 0x00, 0x04, (byte) command, (byte) data, 0, 0};
    checksum(f);
    return f;
  }

  private static void checksum(byte[] f) {
    int sum = 0;
    for (int i = 0; i < f.length - 2; i++) {
      sum += f[i] & 0xFF;
    }
    f[f.length - 2] = (byte) (sum >> 8);
    f[f.length - 1] = (byte) sum;
  }
}

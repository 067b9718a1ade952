package io.mast.sim;

import io.mast.sim.internal.RequestBuffer;
import java.io.IOException;

/**
 * A simulated Winsen MH-Z19 CO2 sensor: answers the 9-byte read-CO2 command
 * ({@code FF 01 86 00 00 00 00 00 79}) with {@code FF 86 ppmH ppmL temp+40 status 00 00 sum}.
 * Commands with a bad checksum are ignored; other valid commands (calibration, range) are
 * acknowledged with no data, as the sensor does not answer them either.
 */
public final class Mhz19Simulator extends DeviceSimulator {
  private final RequestBuffer in = new RequestBuffer();
  private volatile int co2 = 420;
  private volatile int temperature = 18;

  public Mhz19Simulator() {
    super("mhz19");
  }

  public void set(int co2Ppm, int temperatureC) {
    this.co2 = co2Ppm;
    this.temperature = temperatureC;
  }

  public void setQuantity(String quantity, long value) {
    if (quantity.equals("temperature")) {
      temperature = (int) Math.max(-40, Math.min(215, value));
    } else {
      co2 = (int) Math.max(0, Math.min(0xFFFF, value));
    }
  }

  @Override
  protected void receive(byte[] bytes, int length) throws IOException {
    in.append(bytes, length);
    while (in.size() >= 9) {
      if (in.at(0) != 0xFF) {
        in.drop(1);
        continue;
      }
      byte[] command = in.copy(9);
      if (checksum(command) != (command[8] & 0xFF)) {
        in.drop(1);
        continue;
      }
      in.drop(9);
      countRequest();
      if ((command[2] & 0xFF) == 0x86) {
        send(answer());
      }
    }
  }

  /** The 9-byte answer for the current values. */
  public byte[] answer() {
    byte[] a = {(byte) 0xFF, (byte) 0x86, (byte) (co2 >> 8), (byte) co2, (byte) (temperature + 40), 0, 0, 0, 0};
    a[8] = (byte) checksum(a);
    return a;
  }

  static int checksum(byte[] frame) {
    int sum = 0;
    for (int i = 1; i < 8; i++) {
      sum += frame[i] & 0xFF;
    }
    return -sum & 0xFF;
  }
}

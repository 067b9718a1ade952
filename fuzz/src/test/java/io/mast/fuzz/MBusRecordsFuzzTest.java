package io.mast.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.drivers.ChannelSpec;
import io.mast.drivers.ChannelValue;
import io.mast.drivers.Sample;
import io.mast.drivers.codec.MBusFrameDecoder;
import io.mast.drivers.internal.MBusDriver;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * An M-Bus meter's records past the frame: a well-framed answer (right address, good checksum)
 * whose user data (CI field, header, data records: DIF, DIFEs, VIF, VIFEs, values) is anything,
 * decoded by jMBus and searched by the driver for the current volume, flow, energy and power.
 * Input: the user data, at most 253 bytes as a long frame holds. Expected: each channel a value
 * or a failure with its reason (no such record, jMBus cannot decode it); nothing thrown.
 */
class MBusRecordsFuzzTest {
  private static final List<ChannelSpec> CHANNELS = List.of(ChannelSpec.plain("volume", "volume", -3),
      ChannelSpec.plain("flow", "flow", -3), ChannelSpec.plain("energy", "energy", 0), ChannelSpec.plain("power", "power", 0));
  private static final int ADDRESS = 5;

  @FuzzTest
  void sample(byte[] userData) throws IOException {
    if (userData.length == 0) {
      return; // a long frame holds its CI field at least; without one it is no frame, and the driver would wait 2.5 s
    }
    byte[] answer = MBusFrameDecoder.longFrame(MBusFrameDecoder.RSP_UD, ADDRESS, Arrays.copyOf(userData, Math.min(userData.length, 253)));
    FuzzLine line = new FuzzLine(List.of(new byte[] {(byte) MBusFrameDecoder.ACK}, answer));
    MBusDriver driver = new MBusDriver(line, line.name(), 2400, CHANNELS, List.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    driver.open();
    try {
      Sample sample = driver.sample();
      for (ChannelSpec spec : CHANNELS) {
        ChannelValue value = sample.get(spec.channel());
        if (value == null || (!value.isOk() && value.detail() == null)) {
          throw new IllegalStateException("a sample without channel " + spec.channel() + " or a failure without its reason: " + sample);
        }
      }
    } finally {
      driver.close();
    }
  }
}

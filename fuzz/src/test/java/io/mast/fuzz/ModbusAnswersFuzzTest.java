package io.mast.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.drivers.ChannelSpec;
import io.mast.drivers.ChannelValue;
import io.mast.drivers.Sample;
import io.mast.drivers.internal.ModbusRtuDriver;
import io.mast.drivers.internal.ModbusRtuDriver.ModbusPoint;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * A Modbus slave's answers, through the adapter that puts j2mod on the pole's serial link and the
 * driver that reads them: any bytes on the RS-485 line after the pole's request. Input: byte 0
 * picks the register (function 3 or 4, one word or two, signed, word order); the rest is what the
 * line carries after each request (one try, which times out after 1 ms when it finds the answer short).
 * Expected: a sample whose channel holds a value or a failure (timeout, CRC, bad frame, device
 * error) with its reason; the port never fails here, so nothing is thrown.
 */
class ModbusAnswersFuzzTest {
  @FuzzTest
  void sample(byte[] input) throws IOException {
    if (input.length < 1) {
      return;
    }
    int pick = input[0];
    ModbusPoint point = new ModbusPoint(ChannelSpec.plain("register", "", -1), 1, (pick & 1) == 0 ? 3 : 4, 0x10,
        (pick & 2) != 0, (pick & 4) != 0, (pick & 8) != 0);
    FuzzLine line = new FuzzLine(List.of(Arrays.copyOfRange(input, 1, input.length)));
    // the line's bytes are all there at once: a fast bus and one try of 1 ms lose nothing but time
    ModbusRtuDriver driver = new ModbusRtuDriver(line, line.name(), 921_600, new ModbusRtuDriver.Timing(1, 1),
        List.of(point));
    driver.open();
    try {
      Sample sample = driver.sample();
      ChannelValue value = sample.get("register");
      if (value == null || (!value.isOk() && value.detail() == null)) {
        throw new IllegalStateException("a sample without its channel or a failure without its reason: " + sample);
      }
    } finally {
      driver.close();
    }
  }
}

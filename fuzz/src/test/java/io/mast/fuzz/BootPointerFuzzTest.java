package io.mast.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.ota.BootState;

/**
 * The boot pointer from any bytes (a torn write, a bad card): it always names a slot that can run
 * (a or b), a trial slot that is one or none, and a count of tries that is not negative. Never
 * throws. A state outside that is a finding.
 */
class BootPointerFuzzTest {
  @FuzzTest
  void parse(byte[] file) {
    BootState s = BootState.parse(file);
    if (!(s.active().equals("a") || s.active().equals("b")) || !(s.trial().isEmpty() || s.trial().equals("a") || s.trial().equals("b"))
        || s.tries() < 0) {
      throw new IllegalStateException("a boot pointer that names no runnable slot: " + s);
    }
  }
}

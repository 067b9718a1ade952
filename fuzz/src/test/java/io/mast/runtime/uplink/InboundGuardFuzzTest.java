package io.mast.runtime.uplink;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.protocol.ControlLimits;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * The uplink's inbound guard, over whatever a broker (or whoever sits between it and the pole)
 * sends: read in pieces of any size, with some topics not wanted. Expected: the bytes pass, or an
 * {@link InboundGuard.InboundViolation}. A finding: any other exception, or bytes handed on that
 * are not whole MQTT packets a server may send, or a PUBLISH handed on with a payload over the cap.
 * (In this package: the guard is the uplink's own.)
 */
class InboundGuardFuzzTest {
  @FuzzTest
  void framed(FuzzedDataProvider data) throws IOException {
    int piece = data.consumeInt(1, 4096);
    int unwantedMod = data.consumeInt(1, 7);
    byte[] in = data.consumeRemainingAsBytes();
    InboundGuard g = new InboundGuard(new ByteArrayInputStream(in), () -> 0L, v -> { }, (t, n) -> { },
        topic -> topic.length() % unwantedMod != 0);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[piece];
    try {
      for (int n; (n = g.read(buffer, 0, piece)) >= 0; ) {
        out.write(buffer, 0, n);
      }
    } catch (InboundGuard.InboundViolation refused) {
      // a clear refusal: what was handed on before it must still be whole packets
    }
    checkFramed(out.toByteArray());
  }

  /** Walks what the guard handed on: whole packets (the last may be cut by the end of input), each PUBLISH within the cap. */
  private static void checkFramed(byte[] b) {
    int i = 0;
    while (i < b.length) {
      int type = (b[i] & 0xff) >>> 4;
      i++;
      long length = 0;
      int shift = 0;
      while (true) {
        if (i >= b.length) {
          return; // cut by the end of input
        }
        int x = b[i++] & 0xff;
        length |= (long) (x & 0x7f) << shift;
        shift += 7;
        if ((x & 0x80) == 0) {
          break;
        }
        if (shift >= 28) {
          throw new IllegalStateException("a remaining length of more than four bytes was handed on");
        }
      }
      if (type == 3 && length > 2L + ControlLimits.MAX_TOPIC_BYTES + 2 + ControlLimits.MAX_CONTROL_MESSAGE_BYTES) {
        throw new IllegalStateException("a PUBLISH of " + length + " bytes was handed on; the cap is " + ControlLimits.MAX_CONTROL_MESSAGE_BYTES);
      }
      if (type == 0 || type == 1 || type == 8 || type == 10 || type == 12 || type == 14 || type == 15) {
        throw new IllegalStateException("packet type " + type + " was handed on; no server sends it");
      }
      i += (int) Math.min(length, Integer.MAX_VALUE - i);
    }
  }
}

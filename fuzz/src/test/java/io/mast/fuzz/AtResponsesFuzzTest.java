package io.mast.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.drivers.codec.AtParseException;
import io.mast.drivers.codec.AtResponses;
import java.nio.charset.StandardCharsets;

/** The modem's AT response lines (+CEREG, +CESQ, +CSQ, +QENG) from any text: parsed, or {@link AtParseException}. */
class AtResponsesFuzzTest {
  @FuzzTest
  void parse(byte[] bytes) {
    String line = new String(bytes, StandardCharsets.ISO_8859_1);
    Expected.only(AtParseException.class, () -> AtResponses.cereg(line));
    Expected.only(AtParseException.class, () -> AtResponses.cesq(line));
    Expected.only(AtParseException.class, () -> AtResponses.csq(line));
    Expected.only(AtParseException.class, () -> AtResponses.qeng(line));
  }
}

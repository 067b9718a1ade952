package io.mast.drivers.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Every response form of the modem commands Mast sends, and the garbage a modem port produces. */
class AtResponsesTest {

  @Test
  void ceregInEveryReportingMode() throws Exception {
    assertEquals(new AtResponses.Registration(0, 1, "", ""), AtResponses.cereg("+CEREG: 0,1"));
    assertEquals(new AtResponses.Registration(2, 5, "2D51", "0DE9A402"), AtResponses.cereg("+CEREG: 2,5,\"2D51\",\"0DE9A402\",9"));
    // n=4 with PSM timers: +CEREG: n,stat,tac,ci,AcT,,,"active","periodic"
    assertTrue(AtResponses.cereg("+CEREG: 4,1,\"2D51\",\"0DE9A402\",9,,,\"00100010\",\"01000111\"").registered());
    assertEquals(2, AtResponses.cereg("+CEREG: 2,2").state());
  }

  @Test
  void cesqGivesRsrpInDbmAndRsrqInTenthsOfADb() throws Exception {
    // rsrq 34 = -3 dB, rsrp 46 = -95 dBm; GERAN and UTRA fields "unknown"
    assertEquals(new AtResponses.Signal(-95, -30, null, null), AtResponses.cesq("+CESQ: 99,99,255,255,34,46"));
    assertEquals(new AtResponses.Signal(-141, -200, null, null), AtResponses.cesq("+CESQ: 99,99,255,255,0,0"));
    assertEquals(new AtResponses.Signal(null, null, null, null), AtResponses.cesq("+CESQ: 99,99,255,255,255,255"));
  }

  @Test
  void csqGivesTheRawRssiOrNothing() throws Exception {
    assertEquals(17, AtResponses.csq("+CSQ: 17,99"));
    assertEquals(null, AtResponses.csq("+CSQ: 99,99"));
  }

  @Test
  void qengServingCellInTheBg95AndBc66Forms() throws Exception {
    // BG95: rsrp -98 dBm, rsrq -10 dB, rssi -68 dBm, sinr 140 = 140/5 - 20 = 8 dB
    assertEquals(new AtResponses.Signal(-98, -100, 80, -68), AtResponses.qeng(
        "+QENG: \"servingcell\",\"NOCONN\",\"eMTC\",\"FDD\",262,01,1A2D001,123,6300,20,3,3,2B5C,-98,-10,-68,140,34"));
    assertEquals(new AtResponses.Signal(null, null, null, null), AtResponses.qeng("+QENG: \"servingcell\",\"SEARCH\""));
    // BC66: rsrp -72 dBm, rsrq -9 dB, rssi -64 dBm, sinr 14 dB
    assertEquals(new AtResponses.Signal(-72, -90, 140, -64),
        AtResponses.qeng("+QENG: 0,2506,2,131,\"8CF6E3C\",-72,-9,-64,14,5,\"2D51\",0,-4,3"));
    assertEquals(new AtResponses.Signal(null, null, null, null), AtResponses.qeng("+QENG: 0,,,,,,,,,,,,,0"));
  }

  @Test
  void garbledLinesAreRefusedWithTheLineInTheMessage() {
    String[] garbage = {
        "+CESQ: 99,99,255,255,34",          // a field short
        "+CESQ: 99,99,255,255,3x,46",       // not an integer
        "+CESQ: 99,99,255,255,40,46",       // rsrq out of range
        "+CSQ: 45,99",                      // rssi out of range and not 99
        "+CEREG: 2,1,\"2D51",               // open quote
        "+CEREG:",                          // nothing
        "\u0000\u00ff+CSQ: 17,99",          // line noise before the prefix
        "+QENG: \"servingcell\",\"NOCONN\",\"eMTC\",\"FDD\",262,01,1A2D001,123,6300,20,3,3,2B5C,-98,-10,-68,999,34",
        "+QENG: 7,1,2",
    };
    for (String line : garbage) {
      AtParseException e = assertThrows(AtParseException.class, () -> {
        if (line.contains("CESQ")) {
          AtResponses.cesq(line);
        } else if (line.contains("CSQ")) {
          AtResponses.csq(line);
        } else if (line.contains("CEREG")) {
          AtResponses.cereg(line);
        } else {
          AtResponses.qeng(line);
        }
      }, line);
      assertTrue(e.getMessage().contains(line), e.getMessage());
    }
  }
}

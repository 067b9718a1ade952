package io.mast.drivers.codec;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Strict parsers for the information lines of an NB-IoT modem's AT port (3GPP TS 27.007 and the
 * Quectel BC66 / BG95 extensions). Each parser takes one line without its CR LF and returns the
 * decoded values or throws {@link AtParseException} naming the line; it never guesses.
 *
 * <pre>
 * +CEREG: n,stat[,"tac","ci"[,AcT[,...]]]   registration; stat 1 home, 5 roaming, 2 searching,
 *                                            0 not searching, 3 denied, 4 unknown
 * +CESQ: rxlev,ber,rscp,ecno,rsrq,rsrp       rsrq 0..34 = -20..-3 dB in 0.5 dB steps, 255 unknown;
 *                                            rsrp 0..97 = -141+rsrp dBm (0: below -140), 255 unknown
 * +CSQ: rssi,ber                             rssi 0..31 (-113 dBm + 2 dB per step), 99 unknown
 * +QENG: "servingcell",state,rat,duplex,mcc,mnc,cellid,pcid,earfcn,band,ul_bw,dl_bw,tac,
 *        rsrp,rsrq,rssi,sinr,srxlev          BG95/BG96 form; rsrp, rsrq, rssi in dBm/dB,
 *                                            sinr 0..250 in 1/5 dB from -20 dB
 * +QENG: 0,earfcn,earfcn_offset,pci,"cellid",rsrp,rsrq,rssi,sinr,band,"tac",ecl,tx_pwr,mode
 *                                            BC66 form; rsrp, rsrq, rssi, sinr in whole dBm/dB
 * </pre>
 *
 * <p>Fields may be empty where the specification allows it (no serving cell); a value that is
 * present must be an integer in its range. Stateless and thread-safe.
 */
public final class AtResponses {
  private static final Pattern INTEGER = Pattern.compile("-?\\d{1,9}");

  private AtResponses() {}

  /** A decoded {@code +CEREG}: the registration state and, when reported, tracking area and cell. */
  public record Registration(int mode, int state, String trackingArea, String cell) {
    /** Registered on the home network or roaming. */
    public boolean registered() {
      return state == 1 || state == 5;
    }
  }

  /** Signal levels; an absent value is {@code null}. SINR is in tenths of a dB. */
  public record Signal(Integer rsrpDbm, Integer rsrqTenthsDb, Integer sinrTenthsDb, Integer rssiDbm) {}

  public static Registration cereg(String line) throws AtParseException {
    List<String> f = fields(line, "+CEREG:", 2, 10);
    int mode = integer(line, f, 0, 0, 5);
    int state = integer(line, f, 1, 0, 90);
    String tac = f.size() > 2 ? unquote(line, f.get(2)) : "";
    String cell = f.size() > 3 ? unquote(line, f.get(3)) : "";
    return new Registration(mode, state, tac, cell);
  }

  public static Signal cesq(String line) throws AtParseException {
    List<String> f = fields(line, "+CESQ:", 6, 6);
    int rsrq = integer(line, f, 4, 0, 255);
    int rsrp = integer(line, f, 5, 0, 255);
    if ((rsrq > 34 && rsrq != 255) || (rsrp > 97 && rsrp != 255)) {
      throw new AtParseException("rsrq " + rsrq + " or rsrp " + rsrp + " is outside 0..34/0..97 and not 255 in: " + line);
    }
    return new Signal(rsrp == 255 ? null : -141 + rsrp, rsrq == 255 ? null : -200 + 5 * rsrq, null, null);
  }

  /** The raw CSQ rssi 0..31, or {@code null} for 99 (unknown). */
  public static Integer csq(String line) throws AtParseException {
    List<String> f = fields(line, "+CSQ:", 2, 2);
    int rssi = integer(line, f, 0, 0, 99);
    if (rssi > 31 && rssi != 99) {
      throw new AtParseException("rssi " + rssi + " is outside 0..31 and not 99 in: " + line);
    }
    return rssi == 99 ? null : rssi;
  }

  /** The serving cell's levels from either {@code +QENG} form. */
  public static Signal qeng(String line) throws AtParseException {
    List<String> f = fields(line, "+QENG:", 2, 20);
    if (f.get(0).equals("\"servingcell\"")) {
      if (f.size() < 18) {
        return new Signal(null, null, null, null); // SEARCH or LIMSRV: no cell measurements
      }
      Integer sinr = optional(line, f, 16, 0, 250);
      return new Signal(optional(line, f, 13, -140, -44), tenths(optional(line, f, 14, -20, -3)),
          sinr == null ? null : sinr * 2 - 200, optional(line, f, 15, -120, 0));
    }
    if (f.get(0).equals("0") && f.size() == 14) {
      return new Signal(optional(line, f, 5, -140, -44), tenths(optional(line, f, 6, -20, -3)),
          tenths(optional(line, f, 8, -20, 40)), optional(line, f, 7, -120, 0));
    }
    throw new AtParseException("not a serving-cell line of the BG95 or BC66 form: " + line);
  }

  private static Integer tenths(Integer value) {
    return value == null ? null : value * 10;
  }

  /** The comma-separated fields after {@code prefix}; quoted fields keep their quotes. */
  static List<String> fields(String line, String prefix, int min, int max) throws AtParseException {
    if (!line.startsWith(prefix)) {
      throw new AtParseException("expected a " + prefix + " line, got: " + line);
    }
    List<String> out = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (char c : line.substring(prefix.length()).trim().toCharArray()) {
      if (c == '"') {
        quoted = !quoted;
      }
      if (c == ',' && !quoted) {
        out.add(field.toString().trim());
        field.setLength(0);
      } else {
        field.append(c);
      }
    }
    out.add(field.toString().trim());
    if (quoted || out.size() < min || out.size() > max) {
      throw new AtParseException("expected " + min + (min == max ? "" : ".." + max) + " fields, got "
          + out.size() + (quoted ? " and an open quote" : "") + " in: " + line);
    }
    return out;
  }

  private static int integer(String line, List<String> f, int index, int min, int max) throws AtParseException {
    Integer value = optional(line, f, index, min, max);
    if (value == null) {
      throw new AtParseException("field " + (index + 1) + " is empty in: " + line);
    }
    return value;
  }

  private static Integer optional(String line, List<String> f, int index, int min, int max) throws AtParseException {
    String s = f.get(index);
    if (s.isEmpty() || s.equals("-")) {
      return null;
    }
    if (!INTEGER.matcher(s).matches()) {
      throw new AtParseException("field " + (index + 1) + " '" + s + "' is not an integer in: " + line);
    }
    int value = Integer.parseInt(s);
    if (value < min || value > max) {
      throw new AtParseException("field " + (index + 1) + " " + value + " is outside " + min + ".." + max + " in: " + line);
    }
    return value;
  }

  private static String unquote(String line, String s) throws AtParseException {
    if (s.isEmpty()) {
      return "";
    }
    if (s.length() < 2 || !s.startsWith("\"") || !s.endsWith("\"")) {
      throw new AtParseException("'" + s + "' is not a quoted string in: " + line);
    }
    return s.substring(1, s.length() - 1);
  }
}

package io.mast.sim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A simulated NB-IoT modem's AT port, answering as a Quectel BG95 or BC66 does: commands end with
 * CR, are echoed while echo is on (ATE1, the power-up default), and are answered with
 * {@code CR LF line CR LF} information lines and a final {@code OK} or {@code ERROR}.
 *
 * <p>Understood: {@code AT}, {@code ATE0/1}, {@code AT+CEREG?}, {@code AT+CESQ}, {@code AT+CSQ},
 * and the serving-cell query of its variant ({@code AT+QENG="servingcell"} on a BG95,
 * {@code AT+QENG=0} on a BC66; the other one is ERROR). Anything else is ERROR. When not registered
 * the signal commands report "unknown" values (255, 99) and the serving cell has no measurements.
 */
public final class AtModemSimulator extends DeviceSimulator {
  /** The AT dialect. */
  public enum Variant { BG95, BC66 }

  private final StringBuilder line = new StringBuilder();
  private final Variant variant;
  private volatile boolean echo = true;
  private volatile int registration = 1;
  private volatile int rsrpDbm = -95;
  private volatile int rsrqTenthsDb = -105;
  private volatile int sinrTenthsDb = 80;
  private volatile int rssiDbm = -70;

  public AtModemSimulator(Variant variant) {
    super("modem");
    this.variant = variant;
  }

  /** Sets the +CEREG state: 1 home, 5 roaming, 2 searching, 0 idle, 3 denied. */
  public void setRegistration(int state) {
    registration = state;
  }

  public void setQuantity(String quantity, long value) {
    switch (quantity) {
      case "rsrp": rsrpDbm = (int) value; break;
      case "rsrq": rsrqTenthsDb = (int) value; break;
      case "sinr": sinrTenthsDb = (int) value; break;
      case "csq": rssiDbm = -113 + 2 * (int) value; break;
      case "reg": registration = (int) value; break;
      default: throw new IllegalArgumentException("modem has no quantity '" + quantity + "'");
    }
  }

  /** Sends an unsolicited result code now, as a modem does between answers. */
  public void unsolicited(String code) throws IOException {
    send(("\r\n" + code + "\r\n").getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  protected void receive(byte[] bytes, int length) throws IOException {
    for (int i = 0; i < length; i++) {
      char c = (char) (bytes[i] & 0xFF);
      if (c == '\r') {
        String command = line.toString().trim();
        line.setLength(0);
        if (!command.isEmpty()) {
          countRequest();
          send(((echo ? command + "\r" : "") + answer(command)).getBytes(StandardCharsets.US_ASCII));
        }
      } else if (c != '\n' && line.length() < 256) {
        line.append(c);
      }
    }
  }

  private String answer(String command) {
    String upper = command.toUpperCase(Locale.ROOT);
    boolean registered = registration == 1 || registration == 5;
    switch (upper) {
      case "AT": return ok();
      case "ATE0": echo = false; return ok();
      case "ATE1": echo = true; return ok();
      case "AT+CEREG?":
        return registered ? ok("+CEREG: 2," + registration + ",\"2D51\",\"0DE9A402\",9") : ok("+CEREG: 2," + registration);
      case "AT+CESQ":
        return registered ? ok("+CESQ: 99,99,255,255," + (rsrqTenthsDb + 200) / 5 + "," + (rsrpDbm + 141))
            : ok("+CESQ: 99,99,255,255,255,255");
      case "AT+CSQ":
        return registered ? ok("+CSQ: " + Math.max(0, Math.min(31, (rssiDbm + 113) / 2)) + ",99") : ok("+CSQ: 99,99");
      case "AT+QENG=\"SERVINGCELL\"":
        if (variant != Variant.BG95) {
          return "\r\nERROR\r\n";
        }
        return registered
            ? ok("+QENG: \"servingcell\",\"NOCONN\",\"NBIoT\",\"FDD\",262,01,DE9A402,131,6300,20,-,-,2D51,"
                + rsrpDbm + "," + rsrqTenthsDb / 10 + "," + rssiDbm + "," + (sinrTenthsDb + 200) / 2 + ",34")
            : ok("+QENG: \"servingcell\",\"SEARCH\"");
      case "AT+QENG=0":
        if (variant != Variant.BC66) {
          return "\r\nERROR\r\n";
        }
        return registered
            ? ok("+QENG: 0,6300,2,131,\"0DE9A402\"," + rsrpDbm + "," + rsrqTenthsDb / 10 + "," + rssiDbm + ","
                + sinrTenthsDb / 10 + ",20,\"2D51\",0,23,2")
            : ok("+QENG: 0,,,,,,,,,,,,,0");
      default:
        return "\r\nERROR\r\n";
    }
  }

  private static String ok(String... lines) {
    StringBuilder b = new StringBuilder();
    for (String l : lines) {
      b.append("\r\n").append(l).append("\r\n");
    }
    return b.append("\r\nOK\r\n").toString();
  }
}

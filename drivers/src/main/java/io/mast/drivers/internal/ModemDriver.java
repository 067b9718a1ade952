package io.mast.drivers.internal;

import io.mast.drivers.Buses;
import io.mast.drivers.ChannelSpec;
import io.mast.drivers.ChannelStatus;
import io.mast.drivers.ChannelValue;
import io.mast.drivers.Sample;
import io.mast.drivers.SerialSettings;
import io.mast.drivers.codec.AtParseException;
import io.mast.drivers.codec.AtResponses;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Link health from an NB-IoT modem's AT port (Quectel BC66 / BG95 class, 115200 8N1 by default):
 * quantities {@code reg} (the {@code +CEREG} state), {@code rsrp} (dBm) and {@code rsrq} (dB, from
 * {@code AT+CESQ}), {@code sinr} (dB, from the serving cell of {@code AT+QENG}) and {@code csq}
 * (the raw {@code AT+CSQ} rssi). A sample sends only the commands its channels need.
 *
 * <p>The serving-cell command differs between modules: {@code AT+QENG="servingcell"} (BG95) is
 * tried first and {@code AT+QENG=0} (BC66) when the modem answers ERROR; the form that worked is
 * kept. Lines that are neither the expected answer nor a known unsolicited code are counted in
 * {@link #unknownLines()}; a garbled answer makes that channel {@link ChannelStatus#BAD_FRAME},
 * ERROR makes it {@link ChannelStatus#DEVICE_ERROR}, silence {@link ChannelStatus#TIMEOUT}.
 */
public final class ModemDriver extends SerialDriver {
  /** How long a command waits for its final result code. */
  public static final long TIMEOUT_MS = 1000;
  private static final List<String> URC_PREFIXES =
      List.of("+CEREG:", "+CSCON:", "+QIURC:", "+QNBIOTEVENT:", "+IP:", "+CPIN:", "+QIND:", "RDY", "+NPSMR:");

  private final AtPort port = new AtPort();
  private String servingCellCommand = "AT+QENG=\"servingcell\"";
  private long unknownLines;

  public ModemDriver(Buses buses, String port, int baud, List<ChannelSpec> channels) {
    super("modem", buses, port, SerialSettings.of8N1(baud), channels);
  }

  @Override
  public Sample sample() throws IOException {
    Map<String, FramedExchange.Answer<Object>> byCommand = new HashMap<>();
    List<ChannelValue> values = new ArrayList<>();
    for (ChannelSpec spec : channels()) {
      String command = command(spec.quantity());
      FramedExchange.Answer<Object> result = byCommand.get(command);
      if (result == null) {
        result = run(command);
        byCommand.put(command, result);
      }
      values.add(result.value(spec, (parsed, s) -> value(s, parsed)));
    }
    return new Sample(values);
  }

  /** Lines the modem sent that were neither an expected answer nor a known unsolicited code. */
  public long unknownLines() {
    return unknownLines;
  }

  private static String command(String quantity) {
    switch (quantity) {
      case "reg": return "AT+CEREG?";
      case "rsrp": case "rsrq": return "AT+CESQ";
      case "csq": return "AT+CSQ";
      case "sinr": return "QENG";
      default: throw new IllegalArgumentException("modem has no quantity '" + quantity + "'");
    }
  }

  /** The parsed answer of one command, or why there is none. */
  private FramedExchange.Answer<Object> run(String command) throws IOException {
    String sent = command.equals("QENG") ? servingCellCommand : command;
    AtPort.Answer answer = port.command(link(), sent, TIMEOUT_MS);
    if (command.equals("QENG") && !answer.ok() && !answer.finalCode().isEmpty() && sent.endsWith("\"servingcell\"")) {
      servingCellCommand = "AT+QENG=0";
      sent = servingCellCommand;
      answer = port.command(link(), sent, TIMEOUT_MS);
    }
    if (answer.finalCode().isEmpty()) {
      return FramedExchange.Answer.failed(ChannelStatus.TIMEOUT, sent + ": no final result code in " + TIMEOUT_MS + " ms");
    }
    if (!answer.ok()) {
      return FramedExchange.Answer.failed(ChannelStatus.DEVICE_ERROR, sent + " answered " + answer.finalCode());
    }
    String prefix = sent.startsWith("AT+QENG") ? "+QENG:" : sent.substring(2).replace("?", "") + ":";
    Object parsed = null;
    for (String line : answer.lines()) {
      if (line.startsWith(prefix) && parsed == null) {
        try {
          parsed = parse(command, line);
        } catch (AtParseException e) {
          unknownLines++;
          return FramedExchange.Answer.failed(ChannelStatus.BAD_FRAME, e.getMessage());
        }
      } else if (URC_PREFIXES.stream().noneMatch(line::startsWith)) {
        unknownLines++;
      }
    }
    return parsed != null ? FramedExchange.Answer.of(parsed)
        : FramedExchange.Answer.failed(ChannelStatus.BAD_FRAME, sent + " answered OK without a " + prefix + " line");
  }

  private static Object parse(String command, String line) throws AtParseException {
    switch (command) {
      case "AT+CEREG?": return AtResponses.cereg(line);
      case "AT+CESQ": return AtResponses.cesq(line);
      case "AT+CSQ": return new Csq(AtResponses.csq(line));
      default: return AtResponses.qeng(line);
    }
  }

  private record Csq(Integer rssi) {}

  private static ChannelValue value(ChannelSpec spec, Object parsed) {
    Integer raw;
    int exponent = 0;
    if (parsed instanceof AtResponses.Registration r) {
      raw = r.state();
    } else if (parsed instanceof Csq c) {
      raw = c.rssi();
    } else {
      AtResponses.Signal s = (AtResponses.Signal) parsed;
      switch (spec.quantity()) {
        case "rsrp": raw = s.rsrpDbm(); break;
        case "rsrq": raw = s.rsrqTenthsDb(); exponent = -1; break;
        default: raw = s.sinrTenthsDb(); exponent = -1; break;
      }
    }
    return raw == null ? spec.failed(ChannelStatus.NO_VALUE, "the modem reports no " + spec.quantity() + " now")
        : spec.value(raw, exponent);
  }
}

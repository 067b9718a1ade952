package io.mast.drivers.codec;

import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The CJ/T 188-2004 messages a pole uses: requests built as {@link Cjt188Frame}s and answers
 * parsed into {@link Cjt188Data} or refused with a named {@link MeterRejection}. No I/O here.
 *
 * <p><b>Requests</b> (master to meter, C bit D7 clear):
 * <pre>
 * function        C    L   data
 * read data       01   03  DI 901F, SER
 * read address    03   03  DI 810A, SER            sent to type AA, address AA x 7
 * valve           04   04  DI A017, SER, 55 open | 99 close
 * </pre>
 * A data identifier is sent low byte first ({@code 1F 90}) unless the meter wants it high byte
 * first ({@code 90 1F}, {@link DiOrder#HIGH_FIRST}); answers are taken in either order, since
 * meters of both habits are in the field.
 *
 * <p><b>Answers</b> (C = function | 80h; abnormal C = function | C0h, data SER ST0 ST1). Read data
 * of a water or gas meter (T 1x, 3x), L = 16h:
 * <pre>
 * offset size  field
 *   0     2    DI 901F
 *   2     1    SER, the request's
 *   3     4    current accumulated flow, BCD XXXXXX.XX     7  1  its unit code
 *   8     4    settlement day accumulated flow XXXXXX.XX  12  1  its unit code
 *  13     7    meter time, BCD: ss mm hh DD MM YY(low) YY(high)
 *  20     2    ST0 ST1 status
 * </pre>
 * Read data of a heat or cooling meter (T 2x), L = 2Eh:
 * <pre>
 * offset size  field
 *   0     3    DI, SER
 *   3     4+1  settlement day heat XXXXXX.XX, unit      8   4+1  current heat XXXXXX.XX, unit
 *  13     4+1  heat power XXXXXX.XX, unit                18   4+1  flow XXXX.XXXX, unit
 *  23     4+1  accumulated flow XXXXXX.XX, unit
 *  28     3    supply temperature XXXX.XX degC           31   3    return temperature XXXX.XX degC
 *  34     3    accumulated working time XXXXXX h
 *  37     7    meter time                                44   2    ST0 ST1
 * </pre>
 * Read address answer: C 83, L 03, data DI 810A and SER; the meter's address and type are in the
 * header.
 */
public final class Cjt188 {
  public static final int ADDRESS_BYTES = 7;
  /** The length field is one byte; no meter sends more than a heat meter's 46. */
  public static final int MAX_LENGTH = 255;
  /** FE bytes sent before each request, to wake the meter's receiver. */
  public static final int PREAMBLE = 3;

  public static final int READ_DATA = 0x01;
  public static final int READ_ADDRESS = 0x03;
  public static final int WRITE_DATA = 0x04;
  /** Control bit D7: the frame comes from the meter. */
  public static final int FROM_METER = MeterFrame.FROM_METER;
  /** Control bit D6: the meter could not do what was asked. */
  public static final int ABNORMAL = 0x40;

  public static final int DI_CURRENT_DATA = 0x901F;
  public static final int DI_READ_ADDRESS = 0x810A;
  public static final int DI_VALVE = 0xA017;
  public static final int VALVE_OPEN = 0x55;
  public static final int VALVE_CLOSE = 0x99;

  /** The meter type of a request to whichever meter is on the bus. */
  public static final int ANY_TYPE = 0xAA;
  public static final int COLD_WATER = 0x10;
  public static final int HOT_WATER = 0x11;
  public static final int HEAT = 0x20;
  public static final int COOLING = 0x21;
  public static final int GAS = 0x30;

  static final int WATER_LENGTH = 0x16;
  static final int HEAT_LENGTH = 0x2E;

  /** In which order a request carries its two data identifier bytes. */
  public enum DiOrder { LOW_FIRST, HIGH_FIRST }

  private Cjt188() {}

  /** Whether meter type {@code type} is a heat or cooling meter (2x), whose data is the heat layout. */
  public static boolean isHeat(int type) {
    return (type & 0xF0) == 0x20;
  }

  /** The meter type for people: "cold water", "heat", "gas". */
  public static String typeName(int type) {
    switch (type) {
      case 0x10: return "cold water";
      case 0x11: return "hot water";
      case 0x12: return "drinking water";
      case 0x13: return "reclaimed water";
      case 0x20: return "heat";
      case 0x21: return "cooling";
      case 0x30: return "gas";
      case 0x40: return "electricity";
      default: return String.format("type %02X", type);
    }
  }

  public static Cjt188Frame readData(int meterType, byte[] address, int ser, DiOrder order) {
    return new Cjt188Frame(meterType, address, READ_DATA, ByteArrays.concat(di(DI_CURRENT_DATA, order), new byte[] {(byte) ser}));
  }

  public static Cjt188Frame readAddress(int ser, DiOrder order) {
    byte[] any = new byte[ADDRESS_BYTES];
    java.util.Arrays.fill(any, (byte) 0xAA);
    return new Cjt188Frame(ANY_TYPE, any, READ_ADDRESS, ByteArrays.concat(di(DI_READ_ADDRESS, order), new byte[] {(byte) ser}));
  }

  /** The valve command. The runtime never sends it (a pole only reads); tools and simulators do. */
  public static Cjt188Frame valve(int meterType, byte[] address, int ser, boolean open, DiOrder order) {
    return new Cjt188Frame(meterType, address, WRITE_DATA,
        ByteArrays.concat(di(DI_VALVE, order), new byte[] {(byte) ser, (byte) (open ? VALVE_OPEN : VALVE_CLOSE)}));
  }

  static byte[] di(int di, DiOrder order) {
    byte high = (byte) (di >> 8);
    byte low = (byte) di;
    return order == DiOrder.LOW_FIRST ? new byte[] {low, high} : new byte[] {high, low};
  }

  /** The data identifier at the start of {@code data}, read in either order, if it is {@code di}. */
  static boolean carries(byte[] data, int di) {
    int first = data[0] & 0xFF;
    int second = data[1] & 0xFF;
    return (second << 8 | first) == di || (first << 8 | second) == di;
  }

  /** The data identifier a request carries, whichever order it was sent in (for meters and simulators). */
  public static int dataId(Cjt188Frame request, int... known) throws MeterFrameException {
    byte[] data = request.data();
    if (data.length < 3) {
      throw new MeterFrameException(MeterRejection.BAD_DATA_LENGTH, "data field of " + data.length + " bytes has no DI and SER");
    }
    for (int di : known) {
      if (carries(data, di)) {
        return di;
      }
    }
    throw new MeterFrameException(MeterRejection.WRONG_DATA_ID,
        String.format("data identifier %02X %02X is not one this meter knows", data[0] & 0xFF, data[1] & 0xFF));
  }

  /** The meter's answer to {@code request} (read data), parsed; anything else is refused with its reason. */
  public static Cjt188Data parseData(Cjt188Frame answer, Cjt188Frame request) throws MeterFrameException {
    byte[] d = checkAnswer(answer, request, DI_CURRENT_DATA);
    boolean heat = isHeat(answer.meterType());
    int expected = heat ? HEAT_LENGTH : WATER_LENGTH;
    if (d.length != expected) {
      throw new MeterFrameException(MeterRejection.BAD_DATA_LENGTH, "data field of " + d.length + " bytes; a "
          + typeName(answer.meterType()) + " meter's answer to 901F has " + expected);
    }
    Map<String, Cjt188Data.Value> values = new LinkedHashMap<>();
    int at;
    if (heat) {
      values.put("heat_settlement", value(d, 3, 4, 2, MeterUnit.Dimension.ENERGY));
      values.put("heat", value(d, 8, 4, 2, MeterUnit.Dimension.ENERGY));
      values.put("power", value(d, 13, 4, 2, MeterUnit.Dimension.POWER));
      values.put("flow", value(d, 18, 4, 4, MeterUnit.Dimension.FLOW));
      values.put("volume", value(d, 23, 4, 2, MeterUnit.Dimension.VOLUME));
      values.put("supply_temp", new Cjt188Data.Value(Bcd.decode(d, 28, 3, 2), MeterUnit.DEG_C));
      values.put("return_temp", new Cjt188Data.Value(Bcd.decode(d, 31, 3, 2), MeterUnit.DEG_C));
      values.put("hours", new Cjt188Data.Value(Bcd.decode(d, 34, 3, 0), MeterUnit.HOURS));
      at = 37;
    } else {
      values.put("volume", value(d, 3, 4, 2, MeterUnit.Dimension.VOLUME));
      values.put("volume_settlement", value(d, 8, 4, 2, MeterUnit.Dimension.VOLUME));
      at = 13;
    }
    LocalDateTime time = time(d, at);
    int status = (d[at + 7] & 0xFF) | (d[at + 8] & 0xFF) << 8;
    return new Cjt188Data(answer.meterType(), answer.addressText(), values, time, status);
  }

  /**
   * The address of the meter that answered a read-address request, as printed on it; its type
   * is the answer's {@link Cjt188Frame#meterType()}.
   */
  public static String parseAddress(Cjt188Frame answer, Cjt188Frame request) throws MeterFrameException {
    byte[] d = checkAnswer(answer, request, DI_READ_ADDRESS);
    if (d.length != 3) {
      throw new MeterFrameException(MeterRejection.BAD_DATA_LENGTH, "data field of " + d.length + " bytes; the answer to 810A has 3");
    }
    if (Bcd.isWildcard(answer.address())) {
      throw new MeterFrameException(MeterRejection.WRONG_ADDRESS, "the meter answered with the wildcard address " + answer.addressText());
    }
    return answer.addressText();
  }

  /** The checks every answer passes, in order; returns its data field. */
  private static byte[] checkAnswer(Cjt188Frame answer, Cjt188Frame request, int di) throws MeterFrameException {
    int function = request.control() & 0x3F;
    byte[] d = answer.data();
    if (answer.control() == (function | FROM_METER | ABNORMAL)) {
      int status = d.length >= 3 ? (d[1] & 0xFF) | (d[2] & 0xFF) << 8 : -1;
      throw new MeterFrameException(MeterRejection.METER_ERROR, String.format("meter %s answered abnormal (C %02X)%s",
          answer.addressText(), answer.control(), status < 0 ? "" : String.format(", status ST %04X", status)));
    }
    if (answer.control() != (function | FROM_METER)) {
      throw new MeterFrameException(MeterRejection.UNEXPECTED_CONTROL, String.format("control code %02X, expected %02X%s",
          answer.control(), function | FROM_METER, answer.fromMeter() ? "" : " (a request: the adapter's echo?)"));
    }
    if (!Bcd.matches(request.address(), answer.address())) {
      throw new MeterFrameException(MeterRejection.WRONG_ADDRESS, "answer from " + answer.addressText() + ", asked " + request.addressText());
    }
    if (request.meterType() != ANY_TYPE && answer.meterType() != request.meterType()) {
      throw new MeterFrameException(MeterRejection.WRONG_METER_TYPE, String.format("answer from a %s meter (T %02X), asked a %s meter (T %02X)",
          typeName(answer.meterType()), answer.meterType(), typeName(request.meterType()), request.meterType()));
    }
    if (d.length < 3) {
      throw new MeterFrameException(MeterRejection.BAD_DATA_LENGTH, "data field of " + d.length + " bytes has no DI and SER");
    }
    if (!carries(d, di)) {
      throw new MeterFrameException(MeterRejection.WRONG_DATA_ID,
          String.format("data identifier %02X %02X, asked %04X", d[0] & 0xFF, d[1] & 0xFF, di));
    }
    int ser = request.data()[2] & 0xFF;
    if ((d[2] & 0xFF) != ser) {
      throw new MeterFrameException(MeterRejection.WRONG_SEQUENCE, "sequence number " + (d[2] & 0xFF) + ", asked " + ser);
    }
    return d;
  }


  private static Cjt188Data.Value value(byte[] d, int at, int size, int decimals, MeterUnit.Dimension dimension)
      throws MeterFrameException {
    BigDecimal amount = Bcd.decode(d, at, size, decimals);
    int code = d[at + size] & 0xFF;
    MeterUnit unit = MeterUnit.ofCode(code).orElseThrow(() -> new MeterFrameException(MeterRejection.UNKNOWN_UNIT,
        String.format("unit code %02X at offset %d is not in the standard", code, at + size)));
    if (unit.dimension() != dimension) {
      throw new MeterFrameException(MeterRejection.UNKNOWN_UNIT, String.format("unit code %02X (%s) at offset %d is not a unit of %s",
          code, unit.symbol(), at + size, dimension.name().toLowerCase(java.util.Locale.ROOT)));
    }
    return new Cjt188Data.Value(amount, unit);
  }

  /** The meter's clock, or null when it holds no valid date (meters without a set clock send zeros). */
  private static LocalDateTime time(byte[] d, int at) {
    try {
      int second = Bcd.decode(d, at, 1, 0).intValue();
      int minute = Bcd.decode(d, at + 1, 1, 0).intValue();
      int hour = Bcd.decode(d, at + 2, 1, 0).intValue();
      int day = Bcd.decode(d, at + 3, 1, 0).intValue();
      int month = Bcd.decode(d, at + 4, 1, 0).intValue();
      int year = Bcd.decode(d, at + 5, 2, 0).intValue();
      return LocalDateTime.of(year, month, day, hour, minute, second);
    } catch (MeterFrameException | DateTimeException e) {
      return null;
    }
  }

  /** The 7 time bytes of {@code time}, for meters and simulators. */
  public static byte[] timeBytes(LocalDateTime time) {
    byte[] out = new byte[7];
    int[] parts = {time.getSecond(), time.getMinute(), time.getHour(), time.getDayOfMonth(), time.getMonthValue()};
    for (int i = 0; i < parts.length; i++) {
      out[i] = Bcd.encode(BigDecimal.valueOf(parts[i]), 1, 0, false)[0];
    }
    byte[] year = Bcd.encode(BigDecimal.valueOf(time.getYear()), 2, 0, false);
    out[5] = year[0];
    out[6] = year[1];
    return out;
  }

}

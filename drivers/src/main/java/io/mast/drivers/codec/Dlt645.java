package io.mast.drivers.codec;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The DL/T 645-2007 messages a pole uses: "read data" by data identifier and "read address",
 * built as {@link Dlt645Frame}s, and their answers parsed or refused with a named
 * {@link MeterRejection}. No I/O here.
 *
 * <pre>
 * function       request C  L  data                 normal answer            error answer
 * read data      11         4  DI0 DI1 DI2 DI3      91 (B1: more follow), L 4+n: DI and value   D1, L 1: error byte
 * read address   13         0  (to AA AA AA AA AA AA) 93, L 6: the address
 * </pre>
 *
 * <p>A data identifier is written DI3 DI2 DI1 DI0 (as the standard's tables do: 02 01 01 00 is
 * phase A voltage) and sent DI0 first. Values are BCD, low byte first; currents and powers carry
 * their sign in the top bit of the most significant byte. The error byte's bits:
 * <pre>
 * bit 0 other error   1 no such data   2 password wrong or not authorised   3 baud rate cannot change
 * bit 4 too many year time zones   5 too many day time slots   6 too many tariffs   7 reserved
 * </pre>
 */
public final class Dlt645 {
  public static final int ADDRESS_BYTES = 6;
  /** The standard's cap on a read answer's data field. */
  public static final int MAX_LENGTH = 200;
  /** Added to every data byte on the wire. */
  public static final int OFFSET = 0x33;
  /** FE bytes sent before each request. */
  public static final int PREAMBLE = 4;

  public static final int READ_DATA = 0x11;
  public static final int READ_ADDRESS = 0x13;
  public static final int FROM_METER = MeterFrame.FROM_METER;
  public static final int ERROR = 0x40;
  public static final int MORE_FOLLOWS = 0x20;

  private static final String[] ERROR_BITS = {"other error", "no such data", "password wrong or not authorised",
      "baud rate cannot change", "too many year time zones", "too many day time slots", "too many tariffs", "reserved bit 7"};

  /** The data items a pole reads, by the quantity name a config gives them. */
  public enum Item {
    ENERGY("energy", 0x00000000, 4, 2, true, MeterUnit.KWH, "combined active energy, total"),
    ENERGY_T1("energy_t1", 0x00000100, 4, 2, true, MeterUnit.KWH, "combined active energy, tariff 1"),
    ENERGY_T2("energy_t2", 0x00000200, 4, 2, true, MeterUnit.KWH, "combined active energy, tariff 2"),
    ENERGY_T3("energy_t3", 0x00000300, 4, 2, true, MeterUnit.KWH, "combined active energy, tariff 3"),
    ENERGY_T4("energy_t4", 0x00000400, 4, 2, true, MeterUnit.KWH, "combined active energy, tariff 4"),
    ENERGY_FORWARD("energy_forward", 0x00010000, 4, 2, false, MeterUnit.KWH, "forward active energy, total"),
    ENERGY_REVERSE("energy_reverse", 0x00020000, 4, 2, false, MeterUnit.KWH, "reverse active energy, total"),
    VOLTAGE_A("voltage_a", 0x02010100, 2, 1, false, MeterUnit.V, "phase A voltage"),
    VOLTAGE_B("voltage_b", 0x02010200, 2, 1, false, MeterUnit.V, "phase B voltage"),
    VOLTAGE_C("voltage_c", 0x02010300, 2, 1, false, MeterUnit.V, "phase C voltage"),
    CURRENT_A("current_a", 0x02020100, 3, 3, true, MeterUnit.A, "phase A current"),
    CURRENT_B("current_b", 0x02020200, 3, 3, true, MeterUnit.A, "phase B current"),
    CURRENT_C("current_c", 0x02020300, 3, 3, true, MeterUnit.A, "phase C current"),
    POWER("power", 0x02030000, 3, 4, true, MeterUnit.KW, "active power, total"),
    POWER_A("power_a", 0x02030100, 3, 4, true, MeterUnit.KW, "phase A active power"),
    POWER_B("power_b", 0x02030200, 3, 4, true, MeterUnit.KW, "phase B active power"),
    POWER_C("power_c", 0x02030300, 3, 4, true, MeterUnit.KW, "phase C active power"),
    COVER_OPENED("cover_opened", 0x03300D00, 3, 0, false, MeterUnit.COUNT, "times the meter cover was opened, for tamper");

    private final String quantity;
    private final int di;
    private final int size;
    private final int decimals;
    private final boolean signed;
    private final MeterUnit unit;
    private final String meaning;

    Item(String quantity, int di, int size, int decimals, boolean signed, MeterUnit unit, String meaning) {
      this.quantity = quantity;
      this.di = di;
      this.size = size;
      this.decimals = decimals;
      this.signed = signed;
      this.unit = unit;
      this.meaning = meaning;
    }

    public String quantity() {
      return quantity;
    }

    /** The data identifier, DI3 in the high byte. */
    public int di() {
      return di;
    }

    public int size() {
      return size;
    }

    public int decimals() {
      return decimals;
    }

    public boolean signed() {
      return signed;
    }

    public MeterUnit unit() {
      return unit;
    }

    public String meaning() {
      return meaning;
    }

    public static Optional<Item> ofQuantity(String quantity) {
      for (Item item : values()) {
        if (item.quantity.equals(quantity)) {
          return Optional.of(item);
        }
      }
      return Optional.empty();
    }

    public static Optional<Item> ofDi(int di) {
      for (Item item : values()) {
        if (item.di == di) {
          return Optional.of(item);
        }
      }
      return Optional.empty();
    }
  }

  private Dlt645() {}

  /** The data identifier written as the standard does, {@code 02 01 01 00}. */
  public static String diText(int di) {
    return String.format("%02X %02X %02X %02X", di >>> 24, di >> 16 & 0xFF, di >> 8 & 0xFF, di & 0xFF);
  }

  public static Dlt645Frame readData(byte[] address, int di) {
    return new Dlt645Frame(address, READ_DATA, diBytes(di));
  }

  public static Dlt645Frame readAddress() {
    byte[] any = new byte[ADDRESS_BYTES];
    java.util.Arrays.fill(any, (byte) 0xAA);
    return new Dlt645Frame(any, READ_ADDRESS, new byte[0]);
  }

  /** DI0 first. */
  public static byte[] diBytes(int di) {
    return new byte[] {(byte) di, (byte) (di >> 8), (byte) (di >> 16), (byte) (di >>> 24)};
  }

  /** The data identifier at the start of {@code data} (DI0 first); the data must have four bytes. */
  public static int di(byte[] data) {
    return (data[0] & 0xFF) | (data[1] & 0xFF) << 8 | (data[2] & 0xFF) << 16 | (data[3] & 0xFF) << 24;
  }

  /** The value of {@code item} in the meter's answer to {@code request}, or the named reason it is refused. */
  public static BigDecimal parseData(Dlt645Frame answer, Dlt645Frame request, Item item) throws MeterFrameException {
    byte[] d = checkAnswer(answer, request, READ_DATA);
    if (d.length < 4) {
      throw new MeterFrameException(MeterRejection.BAD_DATA_LENGTH, "data field of " + d.length + " bytes has no data identifier");
    }
    int di = di(d);
    if (di != item.di()) {
      throw new MeterFrameException(MeterRejection.WRONG_DATA_ID, "data identifier " + diText(di) + ", asked " + diText(item.di()));
    }
    if (d.length != 4 + item.size()) {
      throw new MeterFrameException(MeterRejection.BAD_DATA_LENGTH, "data field of " + d.length + " bytes; the answer to "
          + diText(di) + " (" + item.meaning() + ") has " + (4 + item.size()));
    }
    return Bcd.decode(d, 4, item.size(), item.decimals(), item.signed());
  }

  /** The address of the meter that answered a read-address request, as printed on it. */
  public static String parseAddress(Dlt645Frame answer) throws MeterFrameException {
    byte[] d = checkAnswer(answer, readAddress(), READ_ADDRESS);
    if (d.length != ADDRESS_BYTES) {
      throw new MeterFrameException(MeterRejection.BAD_DATA_LENGTH, "data field of " + d.length + " bytes; the answer to read address has 6");
    }
    if (!java.util.Arrays.equals(d, answer.address()) || Bcd.isWildcard(d)) {
      throw new MeterFrameException(MeterRejection.WRONG_ADDRESS, "the answer's header names " + answer.addressText()
          + " and its data " + Bcd.address(d));
    }
    return answer.addressText();
  }

  /** The error byte's set bits, named: "no such data, password wrong or not authorised". */
  public static String errorText(int error) {
    List<String> names = new ArrayList<>();
    for (int bit = 0; bit < 8; bit++) {
      if ((error >> bit & 1) != 0) {
        names.add(ERROR_BITS[bit]);
      }
    }
    return names.isEmpty() ? "no reason given" : String.join(", ", names);
  }

  private static byte[] checkAnswer(Dlt645Frame answer, Dlt645Frame request, int function) throws MeterFrameException {
    byte[] d = answer.data();
    if ((answer.control() & ~MORE_FOLLOWS) == (function | FROM_METER | ERROR)) {
      String error = d.length == 1 ? String.format("error byte %02X: %s", d[0] & 0xFF, errorText(d[0] & 0xFF))
          : "error answer of " + d.length + " bytes";
      throw new MeterFrameException(MeterRejection.METER_ERROR, "meter " + answer.addressText() + " answered "
          + String.format("C %02X, ", answer.control()) + error);
    }
    if ((answer.control() & ~MORE_FOLLOWS) != (function | FROM_METER)) {
      throw new MeterFrameException(MeterRejection.UNEXPECTED_CONTROL, String.format("control code %02X, expected %02X%s",
          answer.control(), function | FROM_METER, answer.fromMeter() ? "" : " (a request: the adapter's echo?)"));
    }
    if (!Bcd.matches(request.address(), answer.address())) {
      throw new MeterFrameException(MeterRejection.WRONG_ADDRESS, "answer from " + answer.addressText() + ", asked " + request.addressText());
    }
    return d;
  }

}

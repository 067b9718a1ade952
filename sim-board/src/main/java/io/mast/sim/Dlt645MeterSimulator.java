package io.mast.sim;

import io.mast.drivers.codec.Bcd;
import io.mast.drivers.codec.ByteArrays;
import io.mast.drivers.codec.DecoderChannels;
import io.mast.drivers.codec.Dlt645;
import io.mast.drivers.codec.Dlt645Frame;
import io.mast.drivers.codec.Dlt645FrameDecoder;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Simulated DL/T 645-2007 electricity meters on one RS-485 line, each at its own address. They
 * answer "read data" for the data items they keep (91h with the identifier and the BCD value,
 * each byte plus 33h) and the error answer D1h with "no such data" (02h) for the others, and
 * "read address" to AA AA AA AA AA AA with their address. Answers start with four FE bytes.
 * Besides the bus {@link Faults}, a meter can answer with an error byte of the test's choosing
 * ({@link #errorNext}); several meters reached by one broadcast answer at once, and the line
 * carries their garbled sum. Thread-safe.
 */
public final class Dlt645MeterSimulator extends DeviceSimulator {
  private final EmbeddedChannel decoder = DecoderChannels.of(new Dlt645FrameDecoder());
  private final Map<String, Meter> meters = new LinkedHashMap<>();

  private static final class Meter {
    final byte[] address;
    /** Each item the meter keeps, as the BCD bytes it answers with. */
    final Map<Dlt645.Item, byte[]> values = new LinkedHashMap<>();
    int errors;
    int errorByte;

    Meter(byte[] address) {
      this.address = address;
    }
  }

  public Dlt645MeterSimulator() {
    super("dlt645");
  }

  /** Adds (or resets) a meter at {@code address} (12 digits), keeping no data item yet. */
  public synchronized void addMeter(String address) {
    meters.put(address, new Meter(Bcd.address(address, Dlt645.ADDRESS_BYTES)));
  }

  /**
   * Adds (or resets) a single-phase meter at {@code address}, as a pole's lighting or charging
   * meter is: it keeps the energy totals and tariffs, phase A and the cover counter (all zero, 230 V),
   * and answers "no such data" for phases B and C.
   */
  public synchronized void addSinglePhaseMeter(String address) {
    addMeter(address);
    for (Dlt645.Item item : Dlt645.Item.values()) {
      if (!item.quantity().endsWith("_b") && !item.quantity().endsWith("_c")) {
        set(address, item.quantity(), item == Dlt645.Item.VOLTAGE_A ? new BigDecimal("230.0") : BigDecimal.ZERO);
      }
    }
  }

  /** Sets what the meter keeps for {@code quantity} (a {@link Dlt645.Item}'s), in its unit: kWh, V, A, kW, a count. */
  public synchronized void set(String address, String quantity, BigDecimal value) {
    Meter m = meters.get(address);
    if (m == null) {
      throw new IllegalArgumentException("no simulated DL/T 645 meter at " + address + "; there are " + meters.keySet());
    }
    Dlt645.Item item = Dlt645.Item.ofQuantity(quantity).orElseThrow(() -> new IllegalArgumentException("dlt645 has no quantity '" + quantity + "'"));
    m.values.put(item, Bcd.encode(value.setScale(item.decimals(), java.math.RoundingMode.HALF_EVEN), item.size(), item.decimals(),
        item.signed()));
  }

  /** The meter's next {@code answers} answers to read data are error answers with {@code errorByte}. */
  public synchronized void errorNext(String address, int answers, int errorByte) {
    Meter m = meters.get(address);
    m.errors = answers;
    m.errorByte = errorByte;
  }

  @Override
  protected void receive(byte[] bytes, int length) throws IOException {
    decoder.writeInbound(Unpooled.copiedBuffer(bytes, 0, length));
    Object message;
    while ((message = decoder.readInbound()) != null) {
      Dlt645Frame request = (Dlt645Frame) message;
      if (request.fromMeter()) {
        continue;
      }
      List<byte[]> answers = new ArrayList<>();
      synchronized (this) {
        for (Meter m : meters.values()) {
          if (Bcd.matches(request.address(), m.address)) {
            byte[] answer = answer(request, m);
            if (answer != null) {
              answers.add(answer);
            }
          }
        }
      }
      sendAll(answers);
    }
  }


  private static byte[] answer(Dlt645Frame request, Meter m) {
    if (request.control() == Dlt645.READ_ADDRESS) {
      return new Dlt645Frame(m.address, Dlt645.READ_ADDRESS | Dlt645.FROM_METER, m.address).wire(4);
    }
    if (request.control() != Dlt645.READ_DATA || request.data().length != 4) {
      return null;
    }
    int di = Dlt645.di(request.data());
    if (m.errors > 0) {
      m.errors--;
      return error(m, m.errorByte);
    }
    byte[] value = Dlt645.Item.ofDi(di).map(m.values::get).orElse(null);
    if (value == null) {
      return error(m, 0x02);
    }
    return new Dlt645Frame(m.address, Dlt645.READ_DATA | Dlt645.FROM_METER, ByteArrays.concat(Dlt645.diBytes(di), value)).wire(4);
  }

  private static byte[] error(Meter m, int errorByte) {
    return new Dlt645Frame(m.address, Dlt645.READ_DATA | Dlt645.FROM_METER | Dlt645.ERROR, new byte[] {(byte) errorByte}).wire(4);
  }

}

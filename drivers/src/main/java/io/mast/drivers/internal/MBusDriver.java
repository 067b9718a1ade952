package io.mast.drivers.internal;

import io.mast.drivers.Buses;
import io.mast.drivers.ChannelSpec;
import io.mast.drivers.ChannelStatus;
import io.mast.drivers.ChannelValue;
import io.mast.drivers.Sample;
import io.mast.drivers.SerialLink;
import io.mast.drivers.SerialSettings;
import io.mast.drivers.codec.MBusFrame;
import io.mast.drivers.codec.MBusFrameDecoder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.openmuc.jmbus.DataRecord;
import org.openmuc.jmbus.DecodingException;
import org.openmuc.jmbus.MBusMessage;
import org.openmuc.jmbus.VariableDataStructure;

/**
 * The M-Bus master of one wired M-Bus (8E1, 2400 bit/s by default) through a level converter.
 * The link layer (SND_NKE, REQ_UD2 with the alternating frame count bit, RSP_UD) is
 * {@link MBusFrameDecoder} over jSerialComm; the variable data structure (DIF/VIF records, BCD,
 * units) is decoded by jMBus.
 *
 * <p>{@code open} resets each meter's link with SND_NKE. Each sample asks every meter once for
 * class 2 data and waits up to {@link #TIMEOUT_MS}. Quantities {@code volume}, {@code flow},
 * {@code energy}, {@code power} take the meter's current value (storage 0, tariff 0) of that kind,
 * as jMBus scales it: m3, m3/h, Wh, W. A meter that does not report the quantity gives
 * {@link ChannelStatus#NO_VALUE}; one whose answer jMBus cannot decode gives
 * {@link ChannelStatus#BAD_FRAME}.
 */
public final class MBusDriver extends SerialDriver {
  /** How long a sample waits for one meter's answer: 261 bytes at 2400 bit/s take 1.2 s. */
  public static final long TIMEOUT_MS = 2500;

  private final List<Integer> addresses;
  private final Map<Integer, Boolean> frameCountBit = new HashMap<>();
  private final MBusFrameDecoder decoder = new MBusFrameDecoder();
  private final FramedExchange<MBusFrame> exchange =
      new FramedExchange<>(decoder, MBusFrame.class, decoder::checksumErrors, decoder::discardedBytes);
  private final List<Integer> channelAddresses;

  /** {@code addresses} gives each channel's primary address, in channel order. */
  public MBusDriver(Buses buses, String port, int baud, List<ChannelSpec> channels, List<Integer> addresses) {
    super("mbus", buses, port, SerialSettings.of8E1(baud), channels);
    this.channelAddresses = List.copyOf(addresses);
    this.addresses = addresses.stream().distinct().toList();
  }

  @Override
  void onOpen(SerialLink link) throws IOException {
    for (int address : addresses) {
      exchange.ask(link, MBusFrameDecoder.shortFrame(MBusFrameDecoder.SND_NKE, address), 300);
      frameCountBit.put(address, true);
    }
  }

  @Override
  public Sample sample() throws IOException {
    Map<Integer, FramedExchange.Answer<VariableDataStructure>> answers = new HashMap<>();
    for (int address : addresses) {
      answers.put(address, ask(address));
    }
    List<ChannelValue> values = new ArrayList<>();
    for (int i = 0; i < channels().size(); i++) {
      ChannelSpec spec = channels().get(i);
      values.add(answers.get(channelAddresses.get(i)).value(spec, (data, s) -> value(s, data)));
    }
    return new Sample(values);
  }

  /** The meter's decoded data, or why there is none. */
  private FramedExchange.Answer<VariableDataStructure> ask(int address) throws IOException {
    boolean fcb = frameCountBit.getOrDefault(address, true);
    int control = MBusFrameDecoder.REQ_UD2 | (fcb ? 0x20 : 0);
    FramedExchange.Answer<MBusFrame> answer =
        exchange.ask(link(), MBusFrameDecoder.shortFrame(control, address), TIMEOUT_MS);
    if (answer.frame() == null) {
      return FramedExchange.Answer.failed(answer.failure(), "meter " + address + ": " + answer.detail());
    }
    MBusFrame frame = answer.frame();
    if (frame.type() != MBusFrame.Type.LONG || frame.address() != address) {
      return FramedExchange.Answer.failed(ChannelStatus.BAD_FRAME, "meter " + address + " answered " + frame);
    }
    frameCountBit.put(address, !fcb);
    byte[] bytes = frame.bytes();
    try {
      VariableDataStructure data = MBusMessage.decode(bytes, bytes.length).getVariableDataResponse();
      data.decode();
      return FramedExchange.Answer.of(data);
    } catch (IOException | DecodingException | RuntimeException e) {
      return FramedExchange.Answer.failed(ChannelStatus.BAD_FRAME, "meter " + address + ": jMBus cannot decode its answer: " + e.getMessage());
    }
  }

  static ChannelValue value(ChannelSpec spec, VariableDataStructure data) {
    DataRecord.Description wanted = description(spec.quantity());
    for (DataRecord record : data.getDataRecords()) {
      if (record.getDescription() == wanted && record.getStorageNumber() == 0 && record.getTariff() == 0
          && record.getFunctionField() == DataRecord.FunctionField.INST_VAL
          && record.getDataValue() instanceof Number number) {
        return spec.value(number.longValue(), record.getMultiplierExponent());
      }
    }
    return spec.failed(ChannelStatus.NO_VALUE, "the meter reports no current " + spec.quantity() + " record");
  }

  static DataRecord.Description description(String quantity) {
    switch (quantity) {
      case "volume": return DataRecord.Description.VOLUME;
      case "flow": return DataRecord.Description.VOLUME_FLOW;
      case "energy": return DataRecord.Description.ENERGY;
      case "power": return DataRecord.Description.POWER;
      default: throw new IllegalArgumentException("mbus has no quantity '" + quantity + "'");
    }
  }
}

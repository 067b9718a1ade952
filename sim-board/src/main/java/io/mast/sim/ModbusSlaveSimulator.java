package io.mast.sim;

import com.ghgande.j2mod.modbus.util.ModbusUtil;
import io.mast.sim.internal.RequestBuffer;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Simulated Modbus RTU slaves sharing one RS-485 line: each slave id has holding registers
 * (function 3, written by function 6) and input registers (function 4). A request for another id is
 * heard and ignored, as on a real bus; a request with a bad CRC is ignored (the master times out);
 * a register that does not exist gives exception 2, more than 125 registers exception 3, another
 * function exception 1.
 *
 * <pre>
 * request  (fc 3, 4, 6)   id  fc  addrH addrL  countH countL (or valueH valueL)  crcL crcH
 * answer   (fc 3, 4)      id  fc  bytes  reg0H reg0L ...                          crcL crcH
 * exception               id  fc|0x80  code                                        crcL crcH
 * </pre>
 */
public final class ModbusSlaveSimulator extends DeviceSimulator {
  private final RequestBuffer in = new RequestBuffer();
  private final Map<Integer, Map<Integer, Integer>> holding = new ConcurrentHashMap<>();
  private final Map<Integer, Map<Integer, Integer>> input = new ConcurrentHashMap<>();

  public ModbusSlaveSimulator() {
    super("modbus");
  }

  /** Sets a 16-bit register ({@code function} 3 holding, 4 input) of slave {@code id}. */
  public void setRegister(int id, int function, int register, int value) {
    table(function).computeIfAbsent(id, k -> new ConcurrentHashMap<>()).put(register, value & 0xFFFF);
  }

  /** Sets a 32-bit value over two registers, high word first unless {@code littleEndianWords}. */
  public void setWide(int id, int function, int register, long value, boolean littleEndianWords) {
    int high = (int) (value >>> 16) & 0xFFFF;
    int low = (int) value & 0xFFFF;
    setRegister(id, function, register, littleEndianWords ? low : high);
    setRegister(id, function, register + 1, littleEndianWords ? high : low);
  }

  public Integer register(int id, int function, int register) {
    Map<Integer, Integer> regs = table(function).get(id);
    return regs == null ? null : regs.get(register);
  }

  private Map<Integer, Map<Integer, Integer>> table(int function) {
    return function == 4 ? input : holding;
  }

  @Override
  protected void receive(byte[] bytes, int length) throws IOException {
    in.append(bytes, length);
    while (in.size() >= 8) {
      byte[] frame = in.copy(8);
      int[] crc = ModbusUtil.calculateCRC(frame, 0, 6);
      if ((frame[6] & 0xFF) != crc[0] || (frame[7] & 0xFF) != crc[1]) {
        in.drop(1);
        continue;
      }
      in.drop(8);
      int id = frame[0] & 0xFF;
      if (id == 0 || !(holding.containsKey(id) || input.containsKey(id))) {
        continue;
      }
      countRequest();
      send(answer(id, frame[1] & 0xFF, (frame[2] & 0xFF) << 8 | frame[3] & 0xFF, (frame[4] & 0xFF) << 8 | frame[5] & 0xFF));
    }
  }

  private byte[] answer(int id, int function, int address, int countOrValue) {
    if (function == 6) {
      setRegister(id, 3, address, countOrValue);
      return withCrc(new byte[] {(byte) id, 6, (byte) (address >> 8), (byte) address,
          (byte) (countOrValue >> 8), (byte) countOrValue});
    }
    if (function != 3 && function != 4) {
      return exception(id, function, 1);
    }
    if (countOrValue < 1 || countOrValue > 125) {
      return exception(id, function, 3);
    }
    Map<Integer, Integer> regs = table(function).getOrDefault(id, Map.of());
    byte[] body = new byte[3 + 2 * countOrValue];
    body[0] = (byte) id;
    body[1] = (byte) function;
    body[2] = (byte) (2 * countOrValue);
    for (int i = 0; i < countOrValue; i++) {
      Integer v = regs.get(address + i);
      if (v == null) {
        return exception(id, function, 2);
      }
      body[3 + 2 * i] = (byte) (v >> 8);
      body[4 + 2 * i] = (byte) (int) v;
    }
    return withCrc(body);
  }

  private static byte[] exception(int id, int function, int code) {
    return withCrc(new byte[] {(byte) id, (byte) (function | 0x80), (byte) code});
  }

  static byte[] withCrc(byte[] body) {
    int[] crc = ModbusUtil.calculateCRC(body, 0, body.length);
    byte[] out = java.util.Arrays.copyOf(body, body.length + 2);
    out[body.length] = (byte) crc[0];
    out[body.length + 1] = (byte) crc[1];
    return out;
  }
}

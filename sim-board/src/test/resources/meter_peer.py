#!/usr/bin/env python3
"""An independent CJ/T 188-2004 / DL/T 645-2007 meter for interoperability tests.

Written from the standards' frame layouts alone, in another language and sharing no code with
Mast: it answers on a serial port (a pseudo-terminal), checks every request it gets byte by byte
(preamble, start bytes, length, checksum, stop byte, the 33h offset, the data identifier) and
prints one line per request on standard output:

    accepted cjt188 read-data di=901F (sent 1F 90) ser=5 type=10 address=12345678901234
    rejected cjt188 bad checksum: got 1B, sum is 1A

Usage: meter_peer.py cjt188|dlt645 PORT. Prints "serving" once the port is open. Python 3
standard library only.
"""
import os
import select
import sys
import termios
import tty

# --- CJ/T 188: two meters on one bus -------------------------------------------------------------
# address as on the nameplate, meter type, and the data field after DI and SER (built below)
WATER = "12345678901234"
HEAT = "20250000000303"


def bcd(value_digits, nbytes):
    """Decimal digits (an int) as BCD, least significant byte first."""
    out = []
    for _ in range(nbytes):
        two = value_digits % 100
        value_digits //= 100
        out.append((two // 10) << 4 | (two % 10))
    if value_digits:
        raise ValueError("too many digits")
    return bytes(out)


def address_bytes(text):
    """Nameplate digits to the wire's low-byte-first address."""
    pairs = [int(text[i:i + 2], 16) for i in range(0, len(text), 2)]
    return bytes(reversed(pairs))


def address_text(raw):
    return "".join("%02X" % b for b in reversed(raw))


def checksum(body):
    return sum(body) & 0xFF


CJT_METERS = {
    address_bytes(WATER): (0x10, bcd(123456, 4) + b"\x2c"          # 1234.56 m3 now
                                 + bcd(120000, 4) + b"\x2c"        # 1200.00 m3 at settlement
                                 + bytes([0x30, 0x15, 0x20, 0x06, 0x12, 0x26, 0x20])  # 2026-12-06 20:15:30
                                 + bytes([0x01, 0x00])),           # ST0 01: valve closed
    address_bytes(HEAT): (0x20, bcd(12345000, 4) + b"\x05"         # settlement heat 123450.00 kWh
                                + bcd(12346125, 4) + b"\x05"       # heat 123461.25 kWh
                                + bcd(1250, 4) + b"\x17"           # power 12.50 kW
                                + bcd(12500, 4) + b"\x35"          # flow 1.2500 m3/h
                                + bcd(45678, 4) + b"\x2c"          # volume 456.78 m3
                                + bcd(6550, 3) + bcd(4220, 3)      # supply 65.50, return 42.20 degC
                                + bcd(1234, 3)                     # 1234 h
                                + bytes([0x00, 0x00, 0x08, 0x01, 0x01, 0x27, 0x20])
                                + bytes([0x04, 0x00])),            # ST0 04: battery low
}


def frames(buf, header, second_start):
    """Takes complete frames off the front of buf; yields (frame or None, reason).

    header: bytes from the first 68h to the length byte, both included (CJ/T 188: 11,
    DL/T 645: 10); second_start: offset of the second 68h (DL/T 645: 7) or None.
    """
    while buf:
        while buf and buf[0] == 0xFE:
            del buf[0]
        if not buf:
            return
        if buf[0] != 0x68:
            yield None, "garbage byte %02X" % buf.pop(0)
            continue
        if len(buf) < header:
            return
        if second_start is not None and buf[second_start] != 0x68:
            del buf[0]
            yield None, "no second start byte"
            continue
        size = header + buf[header - 1] + 2
        if len(buf) < size:
            return
        frame = bytes(buf[:size])
        del buf[:size]
        if checksum(frame[:-2]) != frame[-2]:
            yield None, "bad checksum: got %02X, sum is %02X" % (frame[-2], checksum(frame[:-2]))
        elif frame[-1] != 0x16:
            yield None, "no stop byte"
        else:
            yield frame, ""


def cjt188_answer(frame):
    mtype, addr, control, data = frame[1], frame[2:9], frame[9], frame[11:-2]
    if control & 0x80:
        return None, "a frame from a meter, not a request"
    if len(data) < 3:
        return None, "data field of %d bytes" % len(data)
    di = data[1] << 8 | data[0]
    if di not in (0x901F, 0x810A):
        di = data[0] << 8 | data[1]
    ser = data[2]
    matches = [a for a in CJT_METERS if all(x == 0xAA or x == y for x, y in zip(addr, a))
               and mtype in (0xAA, CJT_METERS[a][0])]
    if not matches:
        return None, "no meter at %s type %02X" % (address_text(addr), mtype)
    meter = matches[0]
    meter_type, payload = CJT_METERS[meter]
    if control == 0x01 and di == 0x901F and len(data) == 3:
        name, answer = "read-data", bytes(data[:3]) + payload
    elif control == 0x03 and di == 0x810A and len(data) == 3:
        name, answer = "read-address", bytes(data[:3])
    else:
        return None, "unknown request C=%02X DI=%04X" % (control, di)
    body = bytes([0x68, meter_type]) + meter + bytes([control | 0x80, len(answer)]) + answer
    line = "accepted cjt188 %s di=%04X (sent %02X %02X) ser=%d type=%02X address=%s" % (
        name, di, data[0], data[1], ser, mtype, address_text(addr))
    return b"\xfe\xfe" + body + bytes([checksum(body), 0x16]), line


# --- DL/T 645: one meter ---------------------------------------------------------------------------
LAMPS = address_bytes("000012345678")
DLT_ITEMS = {  # DI (DI3 DI2 DI1 DI0 as written) -> value bytes, least significant first
    0x00000000: bcd(1234567, 4),                          # 12345.67 kWh
    0x02010100: bcd(2305, 2),                             # 230.5 V
    0x02020100: bytes([0x34, 0x12, 0x80]),                # -1.234 A (sign bit)
    0x02030000: bcd(23450, 3),                            # 2.3450 kW
}


def dlt645_answer(frame):
    addr, control = frame[1:7], frame[8]
    data = bytes((b - 0x33) & 0xFF for b in frame[10:-2])
    if not all(x == 0xAA or x == y for x, y in zip(addr, LAMPS)):
        return None, "no meter at %s" % address_text(addr)
    if control == 0x13 and not data:
        answer, reply = LAMPS, 0x93
        line = "accepted dlt645 read-address address=%s" % address_text(addr)
    elif control == 0x11 and len(data) == 4:
        di = data[3] << 24 | data[2] << 16 | data[1] << 8 | data[0]
        line = "accepted dlt645 read-data di=%08X address=%s" % (di, address_text(addr))
        if di in DLT_ITEMS:
            answer, reply = data + DLT_ITEMS[di], 0x91
        else:
            answer, reply = bytes([0x02]), 0xD1   # error byte: no such data
    else:
        return None, "unknown request C=%02X L=%d" % (control, len(data))
    body = bytes([0x68]) + LAMPS + bytes([0x68, reply, len(answer)]) + bytes((b + 0x33) & 0xFF for b in answer)
    return b"\xfe\xfe\xfe\xfe" + body + bytes([checksum(body), 0x16]), line


def main():
    standard, port = sys.argv[1], sys.argv[2]
    if standard == "cjt188":
        header, second_start, answer = 11, None, cjt188_answer
    else:
        header, second_start, answer = 10, 7, dlt645_answer
    fd = os.open(port, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    termios.tcflush(fd, termios.TCIOFLUSH)
    print("serving", flush=True)
    buf = bytearray()
    while True:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if not ready:
            continue
        chunk = os.read(fd, 512)
        if not chunk:
            return
        buf.extend(chunk)
        for frame, reason in frames(buf, header, second_start):
            if frame is None:
                print("rejected %s %s" % (standard, reason), flush=True)
                continue
            reply, line = answer(frame)
            if reply is None:
                print("rejected %s %s" % (standard, line), flush=True)
                continue
            print(line, flush=True)
            os.write(fd, reply)


if __name__ == "__main__":
    main()

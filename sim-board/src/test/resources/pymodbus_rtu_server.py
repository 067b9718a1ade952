"""A Modbus RTU server on a serial port, from Debian's python3-pymodbus, for interop tests.

usage: pymodbus_rtu_server.py PORT
Slave 1: holding registers 0..3 = 712, 0xFFFE, 0x0001, 0xE240 (the last two: 123456 as a 32-bit
value, high word first); input registers 0..1 = 35, 250. Every other address is illegal (exception 2).
"""
import sys

import serial
from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.server import StartSerialServer
from pymodbus.transaction import ModbusRtuFramer

store = ModbusSlaveContext(
    hr=ModbusSequentialDataBlock(0, [712, 0xFFFE, 0x0001, 0xE240]),
    ir=ModbusSequentialDataBlock(0, [35, 250]),
    zero_mode=True,
)
serial.Serial(sys.argv[1]).close()  # the port opens: say so only then
print("serving", flush=True)
StartSerialServer(context=ModbusServerContext(slaves={1: store}, single=False), framer=ModbusRtuFramer,
                  port=sys.argv[1], baudrate=9600, bytesize=8, parity="N", stopbits=1, timeout=0.05)

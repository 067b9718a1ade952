package io.mast.drivers.codec;

/**
 * Why a CJ/T 188 or DL/T 645 frame, or what it carries, was refused. The frame decoders count
 * the framing reasons ({@link #GARBAGE} to {@link #NO_STOP}) per reason and resynchronise; the
 * message parsers ({@link Cjt188}, {@link Dlt645}) throw {@link MeterFrameException} with one of
 * the others. Each reason names one way a frame can be wrong, so a technician's probe and the
 * health counters say which.
 */
public enum MeterRejection {
  /** Bytes before a start byte 0x68 (the FE wake-up preamble is not counted: it is expected). */
  GARBAGE("bytes that start no frame"),
  /** The length field is above what the standard allows (the frame would overrun the cap). */
  BAD_LENGTH("length field above the standard's maximum"),
  /** DL/T 645 only: the second 0x68 after the address is missing. */
  NO_SECOND_START("no second 0x68 after the address"),
  /** The checksum byte is not the sum of the bytes from the first 0x68 to the last data byte. */
  BAD_CHECKSUM("checksum does not match"),
  /** The byte after the checksum is not 0x16. */
  NO_STOP("no stop byte 0x16 after the checksum"),
  /** A request where an answer was expected (a half-duplex adapter's echo), or an answer to another function. */
  UNEXPECTED_CONTROL("control code is not an answer to the request"),
  /** The answer comes from another address than the one asked. */
  WRONG_ADDRESS("answer from another meter address"),
  /** CJ/T 188 only: the answer names another meter type than the one asked. */
  WRONG_METER_TYPE("answer from another meter type"),
  /** The answer carries another data identifier than the one asked. */
  WRONG_DATA_ID("answer carries another data identifier"),
  /** CJ/T 188 only: the answer's sequence number SER is not the request's. */
  WRONG_SEQUENCE("answer's sequence number is not the request's"),
  /** The data field is shorter or longer than the layout the data identifier has. */
  BAD_DATA_LENGTH("data field length does not fit the data identifier"),
  /** A digit of a BCD value is A..F where only 0..9 may stand. */
  BAD_BCD("BCD digit above 9"),
  /** CJ/T 188 only: a unit code the standard does not define, or one that does not fit the value. */
  UNKNOWN_UNIT("unit code not in the standard"),
  /** The meter answered with its exception answer (CJ/T 188 abnormal control code, DL/T 645 error byte). */
  METER_ERROR("the meter answered with an error");

  private final String description;

  MeterRejection(String description) {
    this.description = description;
  }

  /** What the reason means, for people. */
  public String description() {
    return description;
  }
}

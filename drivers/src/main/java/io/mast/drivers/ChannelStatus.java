package io.mast.drivers;

/** Why a channel has no value in a sample; anything but {@link #OK} is a bad reading, not a lost device. */
public enum ChannelStatus {
  /** A value was read. */
  OK,
  /** The device did not answer within the driver's timeout (after its retries). */
  TIMEOUT,
  /** An answer arrived but its CRC or checksum did not match. */
  CRC_ERROR,
  /** An answer arrived but was not a well-formed frame (wrong length, wrong function, garbage). */
  BAD_FRAME,
  /** The device answered with an error of its own (a Modbus exception response, a modem ERROR). */
  DEVICE_ERROR,
  /** The value does not fit the channel's exponent in a 64-bit mantissa, or the device flags it invalid. */
  OUT_OF_RANGE,
  /** The device answered but does not report this quantity now (no serving cell, no such M-Bus record). */
  NO_VALUE
}

package io.mast.drivers.codec;

/**
 * A CJ/T 188 or DL/T 645 answer that cannot be taken: its {@link #reason()} says which rule it
 * breaks, the message carries the numbers ("data field of 9 bytes, the answer to 901F has 22").
 */
public final class MeterFrameException extends Exception {
  private static final long serialVersionUID = 1L;
  private final MeterRejection reason;

  public MeterFrameException(MeterRejection reason, String message) {
    super(message);
    this.reason = reason;
  }

  public MeterRejection reason() {
    return reason;
  }
}

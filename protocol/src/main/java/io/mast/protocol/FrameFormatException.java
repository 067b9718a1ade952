package io.mast.protocol;

import java.io.IOException;

/**
 * Bytes from outside that are not a valid Mast message: truncated, oversized, of an unknown
 * format version, or inconsistent with themselves or with the profile they name.
 *
 * <p>It is an {@link IOException} because the bytes come from the outside world (the broker, a
 * file, a technician's paste); the caller counts and drops the message and carries on. The
 * message names the offending numbers, e.g. "frame length 1400 exceeds the maximum 1024".
 */
public class FrameFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  public FrameFormatException(String message) {
    super(message);
  }

  public FrameFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}

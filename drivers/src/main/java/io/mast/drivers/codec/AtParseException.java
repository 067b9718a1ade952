package io.mast.drivers.codec;

import java.io.IOException;

/** A line from a modem's AT port that does not have the form its command promises; the message quotes it. */
public final class AtParseException extends IOException {
  public AtParseException(String message) {
    super(message);
  }
}

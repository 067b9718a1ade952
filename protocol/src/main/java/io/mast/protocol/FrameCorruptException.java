package io.mast.protocol;

/** A frame or alarm message whose bytes do not match the CRC-32C they end in: a damaged copy, refused whole. */
public final class FrameCorruptException extends FrameFormatException {
  private static final long serialVersionUID = 1L;

  public FrameCorruptException(String message) {
    super(message);
  }
}

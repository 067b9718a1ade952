package io.mast.drivers.codec;

/** Byte arrays joined end to end, for building frames from their fields (codecs, simulators, fixtures). */
public final class ByteArrays {
  private ByteArrays() {}

  public static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }
}

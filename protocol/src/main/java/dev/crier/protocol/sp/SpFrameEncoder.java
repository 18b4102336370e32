package dev.crier.protocol.sp;

/** Frames SP messages: an unsigned 64-bit big-endian length, then the body. */
public final class SpFrameEncoder {
  private SpFrameEncoder() {}

  public static byte[] frame(byte[] body) {
    byte[] out = new byte[SpWire.LENGTH_PREFIX + body.length];
    writeLength(out, body.length);
    System.arraycopy(body, 0, out, SpWire.LENGTH_PREFIX, body.length);
    return out;
  }

  /** The 8 bytes that go before a body of {@code bodyLength} bytes. */
  public static byte[] lengthPrefix(int bodyLength) {
    byte[] out = new byte[SpWire.LENGTH_PREFIX];
    writeLength(out, bodyLength);
    return out;
  }

  private static void writeLength(byte[] out, long length) {
    for (int i = 0; i < SpWire.LENGTH_PREFIX; i++) {
      out[i] = (byte) (length >>> (56 - 8 * i));
    }
  }
}

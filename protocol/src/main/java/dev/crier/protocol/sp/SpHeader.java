package dev.crier.protocol.sp;

import java.util.Arrays;

/**
 * The 8 bytes each side sends first:
 *
 * <pre>
 *   0       1       2       3       4       5       6       7
 * +-------+-------+-------+-------+-------+-------+-------+-------+
 * |  0x00 |  'S'  |  'P'  |  0x00 |  protocol id  |  reserved, 0  |
 * +-------+-------+-------+-------+-------+-------+-------+-------+
 *                                   big-endian u16
 * </pre>
 */
public final class SpHeader {
  public static final int LENGTH = 8;

  private static final int MAGIC_OFFSET = 0;
  private static final byte[] MAGIC = {0, 'S', 'P', 0};
  private static final int PROTOCOL_ID_OFFSET = 4;
  private static final int RESERVED_OFFSET = 6;

  private SpHeader() {}

  public static byte[] encode(SpProtocol protocol) {
    byte[] header = new byte[LENGTH];
    System.arraycopy(MAGIC, 0, header, MAGIC_OFFSET, MAGIC.length);
    header[PROTOCOL_ID_OFFSET] = (byte) (protocol.id() >>> 8);
    header[PROTOCOL_ID_OFFSET + 1] = (byte) protocol.id();
    return header;
  }

  /** Reads a peer's header; throws if it is not one of a known protocol. */
  public static SpProtocol decode(byte[] header) {
    if (header.length != LENGTH) {
      throw new SpProtocolException(
          SpProtocolException.Reason.TRUNCATED,
          "an SP header is " + LENGTH + " bytes, got " + header.length);
    }
    if (!Arrays.equals(header, MAGIC_OFFSET, MAGIC_OFFSET + MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw new SpProtocolException(
          SpProtocolException.Reason.BAD_MAGIC, "not an SP connection: bad magic bytes");
    }
    if (header[RESERVED_OFFSET] != 0 || header[RESERVED_OFFSET + 1] != 0) {
      throw new SpProtocolException(
          SpProtocolException.Reason.RESERVED_NOT_ZERO,
          "the SP header's reserved bytes are not zero");
    }
    int id = ((header[PROTOCOL_ID_OFFSET] & 0xFF) << 8) | (header[PROTOCOL_ID_OFFSET + 1] & 0xFF);
    return SpProtocol.byId(id)
        .orElseThrow(
            () ->
                new SpProtocolException(
                    SpProtocolException.Reason.UNKNOWN_PROTOCOL,
                    String.format("unknown SP protocol id 0x%04x", id)));
  }

  /** Reads a peer's header and checks that {@code self} may talk to it. */
  public static SpProtocol expectPeer(byte[] header, SpProtocol self) {
    SpProtocol peer = decode(header);
    if (!self.acceptsPeer(peer)) {
      throw new SpProtocolException(
          SpProtocolException.Reason.INCOMPATIBLE_PEER,
          self.wireName() + " does not talk to " + peer.wireName());
    }
    return peer;
  }
}

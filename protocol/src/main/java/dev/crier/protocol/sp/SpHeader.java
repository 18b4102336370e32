package dev.crier.protocol.sp;

/**
 * The 8 bytes each side sends first: {@code 00 53 50 00}, the protocol id as a big-endian 16-bit
 * number, then {@code 00 00}.
 */
public final class SpHeader {
  public static final int LENGTH = 8;

  private SpHeader() {}

  public static byte[] encode(SpProtocol protocol) {
    return new byte[] {0, 'S', 'P', 0, (byte) (protocol.id() >>> 8), (byte) protocol.id(), 0, 0};
  }

  /** Reads a peer's header; throws if it is not one of a known protocol. */
  public static SpProtocol decode(byte[] header) {
    if (header.length != LENGTH) {
      throw new SpProtocolException(
          SpProtocolException.Reason.TRUNCATED,
          "an SP header is " + LENGTH + " bytes, got " + header.length);
    }
    if (header[0] != 0 || header[1] != 'S' || header[2] != 'P' || header[3] != 0) {
      throw new SpProtocolException(
          SpProtocolException.Reason.BAD_MAGIC, "not an SP connection: bad magic bytes");
    }
    if (header[6] != 0 || header[7] != 0) {
      throw new SpProtocolException(
          SpProtocolException.Reason.RESERVED_NOT_ZERO,
          "the SP header's reserved bytes are not zero");
    }
    int id = ((header[4] & 0xFF) << 8) | (header[5] & 0xFF);
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

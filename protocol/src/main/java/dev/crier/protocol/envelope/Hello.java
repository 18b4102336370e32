package dev.crier.protocol.envelope;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The first message on a node-to-node link: who is sending, so that the receiver can check it is a
 * member of its cluster. Layout: {@code 00 | version | 'H' | nodeIdLength u16 | nodeId |
 * clusterAddress (rest)}.
 */
public record Hello(String nodeId, String clusterAddress) implements BridgeMessage {
  static final byte KIND = 'H';

  public Hello {
    if (nodeId == null || clusterAddress == null) {
      throw new IllegalArgumentException("node id and cluster address must not be null");
    }
    if (nodeId.getBytes(StandardCharsets.UTF_8).length > 0xFFFF) {
      throw new IllegalArgumentException("node id longer than 65535 bytes");
    }
  }

  @Override
  public byte[] encode() {
    byte[] id = nodeId.getBytes(StandardCharsets.UTF_8);
    byte[] address = clusterAddress.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(5 + id.length + address.length)
        .put((byte) 0)
        .put((byte) VERSION)
        .put(KIND)
        .putShort((short) id.length)
        .put(id)
        .put(address)
        .array();
  }

  static Hello decode(byte[] m) {
    Bytes.need(m, 0, 3, "header");
    if (m[1] != VERSION) {
      throw new EnvelopeException("unknown envelope version " + (m[1] & 0xFF));
    }
    if (m[2] != KIND) {
      throw new EnvelopeException(String.format("unknown control message kind 0x%02x", m[2]));
    }
    int idLength = Bytes.uint16(m, 3, "node id length");
    Bytes.need(m, 5, idLength, "node id");
    return new Hello(
        Bytes.utf8(m, 5, 5 + idLength, "node id"),
        Bytes.utf8(m, 5 + idLength, m.length, "cluster address"));
  }
}

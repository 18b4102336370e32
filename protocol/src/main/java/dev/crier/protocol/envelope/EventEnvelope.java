package dev.crier.protocol.envelope;

import dev.crier.protocol.cursor.InvalidCursorException;
import dev.crier.protocol.cursor.Position;
import dev.crier.protocol.topic.TopicName;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One sequenced event as it travels between nodes and to the tap. Offsets count from the end of the
 * topic ({@code t}, its length in bytes); integers are big-endian, strings UTF-8:
 *
 * <pre>
 * | offset       | size       | field                                          |
 * |--------------|------------|------------------------------------------------|
 * | 0            | t          | topic (ASCII, no NUL)                          |
 * | t            | 1          | 0x00, ends the topic (a sub0 prefix filter)    |
 * | t + 1        | 1          | envelope version                               |
 * | t + 2        | 1          | kind, 'E'                                      |
 * | t + 3        | 8          | epoch, u64                                     |
 * | t + 11       | 8          | sequence, u64                                  |
 * | t + 19       | 8          | published at, ms since the epoch, i64          |
 * | t + 27       | 2          | type length n, u16 (0: the default type)       |
 * | t + 29       | n          | type                                           |
 * | t + 29 + n   | the rest   | data                                           |
 * </pre>
 *
 * @param type the SSE event type, or null for the default ({@code message}); "" means null
 */
public record EventEnvelope(
    String topic, Position position, long publishedAtMillis, String type, String data)
    implements BridgeMessage {
  static final byte KIND = 'E';

  /** Everything but topic, type and data: terminator, version, kind, 3 × u64, the type's length. */
  private static final int FIXED_BYTES = 1 + 1 + 1 + 3 * 8 + 2;

  public EventEnvelope {
    TopicName.validate(topic);
    if (position == null) {
      throw new IllegalArgumentException("position must not be null");
    }
    if (type != null && type.isEmpty()) {
      type = null;
    }
    if (type != null && type.getBytes(StandardCharsets.UTF_8).length > 0xFFFF) {
      throw new IllegalArgumentException("event type longer than 65535 bytes");
    }
    if (data == null) {
      throw new IllegalArgumentException("data must not be null");
    }
  }

  @Override
  public byte[] encode() {
    byte[] t = topic.getBytes(StandardCharsets.US_ASCII);
    byte[] ty = type == null ? new byte[0] : type.getBytes(StandardCharsets.UTF_8);
    byte[] d = data.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(t.length + FIXED_BYTES + ty.length + d.length)
        .put(t)
        .put((byte) 0)
        .put((byte) VERSION)
        .put(KIND)
        .putLong(position.epoch())
        .putLong(position.seq())
        .putLong(publishedAtMillis)
        .putShort((short) ty.length)
        .put(ty)
        .put(d)
        .array();
  }

  static EventEnvelope decode(byte[] m) {
    int zero = Bytes.indexOfZero(m);
    String topic = Bytes.topic(m, zero);
    int at = zero + 1;
    Bytes.need(m, at, 2, "version and kind");
    if (m[at] != VERSION) {
      throw new EnvelopeException("unknown envelope version " + (m[at] & 0xFF));
    }
    if (m[at + 1] != KIND) {
      throw new EnvelopeException(String.format("unknown message kind 0x%02x", m[at + 1]));
    }
    at += 2;
    long epoch = Bytes.uint64(m, at, "epoch");
    long seq = Bytes.uint64(m, at + 8, "sequence");
    long publishedAt = Bytes.uint64(m, at + 16, "publish time");
    at += 24;
    int typeLength = Bytes.uint16(m, at, "type length");
    at += 2;
    Bytes.need(m, at, typeLength, "type");
    String type = typeLength == 0 ? null : Bytes.utf8(m, at, at + typeLength, "type");
    at += typeLength;
    Position position;
    try {
      position = new Position(epoch, seq);
    } catch (InvalidCursorException e) {
      throw new EnvelopeException("invalid position: " + e.getMessage());
    }
    return new EventEnvelope(
        topic, position, publishedAt, type, Bytes.utf8(m, at, m.length, "data"));
  }
}

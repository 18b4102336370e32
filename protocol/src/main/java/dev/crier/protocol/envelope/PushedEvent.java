package dev.crier.protocol.envelope;

import dev.crier.protocol.topic.TopicName;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * What an NNG push0 peer sends into a node to publish: {@code topic | 00 | data}, both UTF-8; the
 * data may be empty.
 */
public record PushedEvent(String topic, String data) {

  public PushedEvent {
    TopicName.validate(topic);
    if (data == null) {
      throw new IllegalArgumentException("data must not be null");
    }
  }

  public static PushedEvent parse(byte[] message) {
    int zero = Bytes.indexOfZero(message);
    return new PushedEvent(
        Bytes.topic(message, zero), Bytes.utf8(message, zero + 1, message.length, "data"));
  }

  public byte[] encode() {
    byte[] t = topic.getBytes(StandardCharsets.US_ASCII);
    byte[] d = data.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(t.length + 1 + d.length).put(t).put((byte) 0).put(d).array();
  }
}

package dev.crier.node.topic;

import dev.crier.protocol.cursor.Position;

/**
 * One event after its topic's owner has sequenced it: immutable, and the unit that travels from the
 * owner to every node with subscribers.
 *
 * @param type the SSE event type, or null for the default ("message")
 * @param data the event's data as UTF-8 text
 * @param publishedAtMillis when the owner sequenced it (epoch ms), for history age and latency
 */
public record TopicEvent(
    String topic, Position position, String type, String data, long publishedAtMillis) {

  public long seq() {
    return position.seq();
  }
}

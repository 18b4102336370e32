package dev.crier.node.websocket;

import dev.crier.protocol.cursor.Position;
import java.util.ArrayDeque;

/**
 * At-least-once mode's window: the events a socket was sent and has not acknowledged, oldest first.
 * An ack is a cursor and covers every event up to it; a window over its bounds means the client is
 * too slow, and it is cut off while everything it has not acknowledged is still in history.
 */
final class AckWindow {
  private record Sent(int topicIndex, Position position, int chars) {}

  private final int maxEvents;
  private final long maxChars;
  private final ArrayDeque<Sent> sent = new ArrayDeque<>();
  private long chars;

  AckWindow(int maxEvents, long maxChars) {
    this.maxEvents = maxEvents;
    this.maxChars = maxChars;
  }

  /** Holds a sent event; false when the window is now over its bounds. */
  boolean sent(int topicIndex, Position position, int eventChars) {
    sent.add(new Sent(topicIndex, position, eventChars));
    chars += eventChars;
    return sent.size() <= maxEvents && chars <= maxChars;
  }

  /**
   * Lets go of every event the cursor's positions cover, oldest first. Events go out in order, so
   * the events an ack covers are the oldest ones.
   */
  void ack(Position[] positions) {
    Sent first;
    while ((first = sent.peek()) != null && covers(positions[first.topicIndex], first.position)) {
      sent.poll();
      chars -= first.chars;
    }
  }

  int size() {
    return sent.size();
  }

  private static boolean covers(Position acked, Position event) {
    return event.epoch() < acked.epoch()
        || (event.epoch() == acked.epoch() && event.seq() <= acked.seq());
  }
}

package dev.crier.node.topic;

import dev.crier.protocol.cursor.Position;
import org.apache.pekko.util.ByteString;

/** What a {@link TopicHub} puts into a subscriber's queue. */
public sealed interface FeedItem {

  String topic();

  /**
   * One event, SSE-encoded once by the hub and shared by every subscriber.
   *
   * @param withId the complete frame including its single-topic {@code id:} line
   * @param body the frame without the {@code id:} line, for subscriptions whose ids span topics
   */
  record Frame(String topic, Position position, ByteString withId, ByteString body)
      implements FeedItem {}

  /**
   * The subscriber has received the requested history of this topic; live events follow.
   *
   * @param head the position right after the history it was sent
   * @param continuityLost the position it resumed from was no longer covered by history
   */
  record Synced(String topic, Position head, boolean continuityLost) implements FeedItem {}
}

package dev.crier.node.subscribe;

import dev.crier.node.topic.FeedItem;
import dev.crier.protocol.sse.SseEncoder;
import org.apache.pekko.util.ByteString;

/**
 * A subscription's events as SSE bytes: a one-topic subscription passes the hub's shared frame
 * through untouched; a several-topic one prepends an id line that carries the position in every
 * topic.
 */
enum SseFrames implements SubscriptionFraming.Encoding<ByteString> {
  INSTANCE;

  @Override
  public ByteString event(FeedItem.Frame frame, String cursor) {
    return cursor == null
        ? frame.withId()
        : ByteString.fromArrayUnsafe(SseEncoder.idField(cursor)).concat(frame.body());
  }

  @Override
  public ByteString reset(String cursor, String data) {
    return ByteString.fromArrayUnsafe(
        SseEncoder.event(cursor, SubscriptionFraming.RESET_EVENT, data));
  }

  @Override
  public ByteString synced(String cursor) {
    return null;
  }
}

package dev.crier.node.topic;

import dev.crier.protocol.cursor.Position;
import dev.crier.protocol.sse.SseEncoder;
import java.util.function.Function;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.util.ByteString;

/** What a {@link TopicHub} puts into a subscriber's queue. */
public sealed interface FeedItem {

  String topic();

  /**
   * Completes (cause null) or fails a feed's queue; false when it was closed already. A
   * subscription to several topics shares one queue among their hubs, and the node may end a stream
   * a hub has cut: closing twice is not an error.
   */
  static boolean close(BoundedSourceQueue<FeedItem> queue, Throwable cause) {
    try {
      if (cause == null) {
        queue.complete();
      } else {
        queue.fail(cause);
      }
      return true;
    } catch (IllegalStateException alreadyClosed) {
      // Closed first by another hub, the stream's own end, or a node-side end; it ends either way.
      return false;
    }
  }

  /**
   * One event, SSE-encoded once by the hub and shared by every subscriber; the WebSocket encoding
   * is made the first time a socket asks for it, and shared too.
   */
  final class Frame implements FeedItem {
    private final String topic;
    private final TopicEvent event;
    private final ByteString withId;
    private final ByteString body;
    private volatile Object encoded;

    private Frame(String topic, TopicEvent event, ByteString withId, ByteString body) {
      this.topic = topic;
      this.event = event;
      this.withId = withId;
      this.body = body;
    }

    /** The event's frame, encoded once for every subscriber of its topic. */
    static Frame of(String topic, TopicEvent event) {
      ByteString body =
          ByteString.fromArrayUnsafe(SseEncoder.event(null, event.type(), event.data()));
      ByteString withId =
          ByteString.fromArrayUnsafe(SseEncoder.idField(event.position().toString())).concat(body);
      return new Frame(topic, event, withId, body);
    }

    @Override
    public String topic() {
      return topic;
    }

    public Position position() {
      return event.position();
    }

    public TopicEvent event() {
      return event;
    }

    /** The complete SSE frame including its single-topic {@code id:} line. */
    public ByteString withId() {
      return withId;
    }

    /** The SSE frame without the {@code id:} line, for subscriptions whose ids span topics. */
    public ByteString body() {
      return body;
    }

    /**
     * The event as another transport encodes it, made by {@code encode} the first time it is asked
     * for and then shared by every subscriber (two racing callers make equal encodings, and either
     * is kept). One transport uses this: the WebSocket.
     */
    @SuppressWarnings("unchecked")
    public <T> T encoded(Function<TopicEvent, T> encode) {
      Object e = encoded;
      if (e == null) {
        e = encode.apply(event);
        encoded = e;
      }
      return (T) e;
    }
  }

  /**
   * The first item of a topic's feed: where it goes on. The history the subscriber asked for
   * follows, then every later event, each once and in order.
   *
   * @param after the position the feed goes on after
   * @param continuityLost the position it resumed from was no longer covered by history, so events
   *     between it and {@code after} are gone
   */
  record Synced(String topic, Position after, boolean continuityLost) implements FeedItem {}
}

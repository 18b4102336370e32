package dev.crier.node.websocket;

import dev.crier.node.http.ApiError;
import dev.crier.node.subscribe.FeedQueue;
import dev.crier.node.subscribe.SubscriptionFraming;
import dev.crier.node.subscribe.SubscriptionRequests;
import dev.crier.node.topic.FeedItem;
import dev.crier.protocol.cursor.CursorCodec;
import java.util.ArrayDeque;
import java.util.List;

/**
 * A socket's one subscription: the feed its hubs offer into, how the feed becomes frames, and in
 * at-least-once mode the events not yet acknowledged. Used by its session's stage only.
 */
final class SocketSubscription {
  private final CursorCodec codec;
  private final FeedQueue feed;
  private final SubscriptionFraming<SocketEvents.Out> framing;
  private final AckWindow window;
  private final ArrayDeque<SocketEvents.Out> framed = new ArrayDeque<>();

  /**
   * @param ack at-least-once mode: events are held until acknowledged, within the settings' window
   * @param ref the subscribe frame's {@code ref}, repeated in its {@code subscribed} answer
   */
  SocketSubscription(
      CursorCodec codec, boolean ack, String ref, int bufferSize, WebSocketSettings settings) {
    this.codec = codec;
    this.feed = new FeedQueue(bufferSize, codec.topics().size());
    this.framing = new SubscriptionFraming<>(codec, new SocketEvents(codec, ack, ref));
    this.window = ack ? new AckWindow(settings.unackedEvents(), settings.unackedBytes()) : null;
  }

  CursorCodec codec() {
    return codec;
  }

  FeedQueue feed() {
    return feed;
  }

  /**
   * The next frame to send, or null when there is none yet (the feed then wakes the stage on its
   * next offer).
   */
  SocketEvents.Out next() {
    while (framed.isEmpty()) {
      FeedItem item = feed.poll();
      if (item == null) {
        feed.waiting(true);
        // An offer between poll() and waiting(true) saw no one waiting: look once more.
        item = feed.poll();
        if (item == null) {
          return null;
        }
      }
      feed.waiting(false);
      List<SocketEvents.Out> outs = framing.apply(item);
      if (outs.size() == 1) {
        return outs.get(0);
      }
      framed.addAll(outs);
    }
    return framed.poll();
  }

  /** Whether the hubs completed the feed (the node is going away) and all of it was sent. */
  boolean completedByHubs() {
    return feed.isCompleted() && feed.failure() == null && framed.isEmpty();
  }

  /** Holds a frame just sent until it is acknowledged; false when the window is now full. */
  boolean sent(SocketEvents.Out out) {
    return window == null
        || out.topicIndex() < 0
        || window.sent(out.topicIndex(), out.position(), out.chars());
  }

  /** Takes an ack: every event up to its cursor is received. */
  void ack(String cursor) {
    if (window == null) {
      throw ApiError.badRequest(
              "invalid_ack", "acks are for a subscription in at-least-once mode (ack: true)")
          .rejection();
    }
    window.ack(SubscriptionRequests.resume(codec, cursor));
  }

  /** Drops what is queued and framed: the subscription ends (or was cut). */
  void end() {
    feed.end();
    framed.clear();
  }
}

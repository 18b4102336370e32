package dev.crier.node.topic;

import dev.crier.protocol.cursor.Position;
import dev.crier.protocol.sse.SseEncoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.util.ByteString;

/**
 * Fans one topic's events out to this node's subscribers: encodes each event's SSE frame once and
 * offers the same bytes to every subscriber's bounded queue. A subscriber whose queue is full is
 * cut off at once, so no subscriber can slow the topic down.
 *
 * <p>A new subscriber is first brought up to date from the owner's history (resume or replay),
 * while live events for it are held back; events it already got from history are skipped by
 * sequence number, so the switch to live has no gap and no duplicate.
 */
public final class TopicHub extends AbstractBehavior<TopicHub.Command> {

  /** What a topic hub understands. */
  public sealed interface Command {}

  /**
   * Adds a subscriber.
   *
   * @param after resume after this position, or null
   * @param replay with no {@code after}: how many past events to send first
   */
  public record Subscribe(
      long subscriberId, BoundedSourceQueue<FeedItem> queue, Position after, int replay)
      implements Command {}

  /** Removes a subscriber whose stream has ended. */
  public record Unsubscribe(long subscriberId) implements Command {}

  /** A sequenced event from the owner. */
  public record Deliver(TopicEvent event) implements Command {}

  /** Completes every subscriber's stream (the node is going away) and stops. */
  public enum CompleteAll implements Command {
    INSTANCE
  }

  private sealed interface InternalCommand extends Command {}

  private record HistoryRead(long subscriberId, TopicOwner.Slice slice)
      implements InternalCommand {}

  private record HistoryFailed(long subscriberId, Throwable cause) implements InternalCommand {}

  /** Tells the parent that the hub has no subscribers left after this many subscribes. */
  public record Idle(String topic, long subscribesHandled) {}

  /** Limits and collaborators of a hub. */
  public record Settings(int bufferSize, int historyLimit, Duration ownerTimeout) {}

  /**
   * @param node this node's hub directory, named in history reads so that the owner sends this node
   *     every later event
   */
  public static Behavior<Command> create(
      String topic,
      Settings settings,
      TopicOwners owners,
      ActorRef<TopicHubs.Command> node,
      ActorRef<Idle> parent,
      FanoutCounters counters) {
    return Behaviors.setup(
        context -> new TopicHub(context, topic, settings, owners, node, parent, counters));
  }

  private static final class Subscriber {
    final long id;
    final BoundedSourceQueue<FeedItem> queue;
    long epoch;
    long lastSeq;
    List<FeedItem.Frame> heldBack = new ArrayList<>();

    Subscriber(long id, BoundedSourceQueue<FeedItem> queue) {
      this.id = id;
      this.queue = queue;
    }

    boolean wants(Position p) {
      return p.epoch() != epoch || p.seq() > lastSeq;
    }
  }

  private record Failed(Subscriber subscriber, QueueOfferResult why) {}

  private final String topic;
  private final Settings settings;
  private final TopicOwners owners;
  private final ActorRef<TopicHubs.Command> node;
  private final ActorRef<Idle> parent;
  private final FanoutCounters counters;
  private final Map<Long, Subscriber> subscribers = new HashMap<>();
  private long subscribesHandled;

  private TopicHub(
      ActorContext<Command> context,
      String topic,
      Settings settings,
      TopicOwners owners,
      ActorRef<TopicHubs.Command> node,
      ActorRef<Idle> parent,
      FanoutCounters counters) {
    super(context);
    this.topic = topic;
    this.settings = settings;
    this.owners = owners;
    this.node = node;
    this.parent = parent;
    this.counters = counters;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Subscribe.class, this::onSubscribe)
        .onMessage(Unsubscribe.class, this::onUnsubscribe)
        .onMessage(Deliver.class, this::onDeliver)
        .onMessage(HistoryRead.class, this::onHistoryRead)
        .onMessage(HistoryFailed.class, this::onHistoryFailed)
        .onMessageEquals(CompleteAll.INSTANCE, this::onCompleteAll)
        .build();
  }

  private Behavior<Command> onSubscribe(Subscribe subscribe) {
    subscribesHandled++;
    subscribers.put(
        subscribe.subscriberId(), new Subscriber(subscribe.subscriberId(), subscribe.queue()));
    int limit = settings.historyLimit();
    getContext()
        .pipeToSelf(
            owners.<TopicOwner.Slice>ask(
                topic,
                replyTo ->
                    new TopicOwner.Read(
                        subscribe.after(), subscribe.replay(), limit, replyTo, node),
                settings.ownerTimeout()),
            (slice, failure) ->
                failure == null
                    ? new HistoryRead(subscribe.subscriberId(), slice)
                    : new HistoryFailed(subscribe.subscriberId(), failure));
    return this;
  }

  private Behavior<Command> onHistoryRead(HistoryRead read) {
    Subscriber s = subscribers.get(read.subscriberId());
    if (s == null) {
      return this;
    }
    TopicOwner.Slice slice = read.slice();
    s.epoch = slice.epoch();
    if (!slice.continuityLost()) {
      for (TopicEvent event : slice.events()) {
        if (!push(s, frame(event))) {
          return this;
        }
      }
    }
    s.lastSeq = slice.headSeq();
    if (!push(s, new FeedItem.Synced(topic, slice.head(), slice.continuityLost()))) {
      return this;
    }
    List<FeedItem.Frame> held = s.heldBack;
    s.heldBack = null;
    for (FeedItem.Frame frame : held) {
      if (s.wants(frame.position()) && !push(s, frame)) {
        return this;
      }
    }
    return this;
  }

  private Behavior<Command> onHistoryFailed(HistoryFailed failed) {
    Subscriber s = subscribers.remove(failed.subscriberId());
    if (s != null) {
      getContext()
          .getLog()
          .warn("history of [{}] unavailable, closing subscriber: {}", topic, failed.cause());
      close(s.queue, failed.cause());
      idleCheck();
    }
    return this;
  }

  private Behavior<Command> onUnsubscribe(Unsubscribe unsubscribe) {
    if (subscribers.remove(unsubscribe.subscriberId()) != null) {
      idleCheck();
    }
    return this;
  }

  private Behavior<Command> onDeliver(Deliver deliver) {
    if (subscribers.isEmpty()) {
      return this;
    }
    FeedItem.Frame frame = frame(deliver.event());
    List<Failed> failed = null;
    for (Subscriber s : subscribers.values()) {
      QueueOfferResult result;
      if (s.heldBack != null) {
        result = heldBack(s, frame);
      } else if (s.wants(frame.position())) {
        result = offer(s, frame);
      } else {
        continue;
      }
      if (result != QueueOfferResult.enqueued()) {
        failed = failed == null ? new ArrayList<>() : failed;
        failed.add(new Failed(s, result));
      }
    }
    if (failed != null) {
      failed.forEach(f -> remove(f.subscriber(), f.why()));
    }
    return this;
  }

  private Behavior<Command> onCompleteAll() {
    subscribers.values().forEach(s -> close(s.queue, null));
    subscribers.clear();
    return Behaviors.stopped();
  }

  private FeedItem.Frame frame(TopicEvent event) {
    ByteString body =
        ByteString.fromArrayUnsafe(SseEncoder.event(null, event.type(), event.data()));
    ByteString withId =
        ByteString.fromArrayUnsafe(SseEncoder.idField(event.position().toString())).concat(body);
    return new FeedItem.Frame(topic, event.position(), withId, body);
  }

  /** Offers one item; removes the subscriber and answers false when it was not taken. */
  private boolean push(Subscriber s, FeedItem item) {
    QueueOfferResult result = offer(s, item);
    if (result == QueueOfferResult.enqueued()) {
      return true;
    }
    remove(s, result);
    return false;
  }

  private QueueOfferResult offer(Subscriber s, FeedItem item) {
    QueueOfferResult result = s.queue.offer(item);
    if (result == QueueOfferResult.enqueued() && item instanceof FeedItem.Frame f) {
      counters.delivered(1);
      s.epoch = f.position().epoch();
      s.lastSeq = f.position().seq();
    }
    return result;
  }

  private QueueOfferResult heldBack(Subscriber s, FeedItem.Frame frame) {
    if (s.heldBack.size() >= settings.bufferSize()) {
      return QueueOfferResult.dropped();
    }
    s.heldBack.add(frame);
    return QueueOfferResult.enqueued();
  }

  /** A dropped offer means the subscriber is too slow; anything else, that its stream is gone. */
  private void remove(Subscriber s, QueueOfferResult why) {
    if (subscribers.remove(s.id) == null) {
      return;
    }
    if (why == QueueOfferResult.dropped()) {
      counters.slowConsumerCut();
      getContext().getLog().debug("subscriber [{}] of [{}] too slow: cut off", s.id, topic);
      close(s.queue, new SlowConsumerException(topic));
    }
    idleCheck();
  }

  /**
   * Completes (cause null) or fails a queue. A subscription to several topics shares one queue
   * among their hubs, so another hub may have closed it already: that is not an error.
   */
  static void close(BoundedSourceQueue<FeedItem> queue, Throwable cause) {
    try {
      if (cause == null) {
        queue.complete();
      } else {
        queue.fail(cause);
      }
    } catch (IllegalStateException alreadyClosed) {
      // Closed by the other hub first; the stream ends either way.
    }
  }

  private void idleCheck() {
    if (subscribers.isEmpty()) {
      parent.tell(new Idle(topic, subscribesHandled));
    }
  }
}

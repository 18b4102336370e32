package dev.crier.node.topic;

import dev.crier.protocol.cursor.Position;
import dev.crier.protocol.sse.SseEncoder;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
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
 * sequence number, so the switch to live has no gap and no duplicate. Once the hub is live, a
 * subscriber without a cursor joins at the hub's position, and one whose cursor or replay falls
 * within the hub's latest frames is served from them: neither asks the owner.
 */
public final class TopicHub extends AbstractBehavior<TopicHub.Command> {

  /** What a topic hub understands. */
  public sealed interface Command {}

  /**
   * Adds a subscriber.
   *
   * @param after resume after this position, or null
   * @param replay with no {@code after}: how many past events to send first
   * @param synced completed once the subscriber is caught up and receives every later event (so
   *     that the HTTP answer means "subscribed"); failed if the owner cannot be reached
   */
  public record Subscribe(
      long subscriberId,
      BoundedSourceQueue<FeedItem> queue,
      Position after,
      int replay,
      CompletableFuture<Void> synced)
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

  private record Resynced(TopicOwner.Slice slice) implements InternalCommand {}

  private record ResyncFailed(Throwable cause) implements InternalCommand {}

  private enum ResyncTick implements InternalCommand {
    INSTANCE
  }

  /** Moves more of the subscribers' catch-up from history into their queues as they drain. */
  private enum CatchUpTick implements InternalCommand {
    INSTANCE
  }

  /** Goes on with a fan-out that was handed out in slices. */
  private enum HandOutMore implements InternalCommand {
    INSTANCE
  }

  /** How often a catch-up larger than a subscriber's queue is topped up. */
  private static final Duration CATCH_UP_INTERVAL = Duration.ofMillis(10);

  /** Tells the parent that the hub has no subscribers left after this many subscribes. */
  public record Idle(String topic, long subscribesHandled) {}

  /**
   * Limits and timings of a hub.
   *
   * @param resyncInterval how soon the hub asks the owner again for anything it missed (which also
   *     announces this node to an owner that has moved)
   * @param resyncMaxInterval the interval doubles after each ask that finds nothing missing, up to
   *     this; an ask that finds something, or a gap seen live, brings it back to resyncInterval
   * @param recentEvents latest frames kept to serve resumes and replays without the owner
   * @param fanOutSlice subscribers a frame is offered to before the hub lets others run
   */
  public record Settings(
      int bufferSize,
      int historyLimit,
      int recentEvents,
      int fanOutSlice,
      Duration ownerTimeout,
      Duration resyncInterval,
      Duration resyncMaxInterval) {}

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
        context ->
            Behaviors.withTimers(
                timers ->
                    new TopicHub(
                        context, timers, topic, settings, owners, node, parent, counters)));
  }

  private static final class Subscriber {
    final long id;
    final BoundedSourceQueue<FeedItem> queue;
    final CompletableFuture<Void> synced;
    long epoch;
    long lastSeq;
    List<FeedItem.Frame> heldBack = new ArrayList<>();

    /** History still to hand over, oldest first; null once all of it is in the queue. */
    ArrayDeque<FeedItem.Frame> catchUp;

    /** What to tell the subscription once the catch-up is in its queue. */
    FeedItem.Synced syncedItem;

    Subscriber(long id, BoundedSourceQueue<FeedItem> queue, CompletableFuture<Void> synced) {
      this.id = id;
      this.queue = queue;
      this.synced = synced;
    }

    boolean wants(Position p) {
      return p.epoch() != epoch || p.seq() > lastSeq;
    }
  }

  private record Failed(Subscriber subscriber, QueueOfferResult why) {}

  private record Outgoing(TopicEvent event, FeedItem.Frame frame, List<Subscriber> to) {}

  private final String topic;
  private final Settings settings;
  private final TopicOwners owners;
  private final ActorRef<TopicHubs.Command> node;
  private final ActorRef<Idle> parent;
  private final FanoutCounters counters;
  private final TimerScheduler<Command> timers;
  private Duration resyncInterval;
  private final Map<Long, Subscriber> subscribers = new HashMap<>();
  private long subscribesHandled;

  /** The last event fanned out; null until the owner has told the topic's head. */
  private Position position;

  private boolean resyncing;

  /**
   * The latest frames fanned out, consecutive and ending at {@link #position} (empty after a jump),
   * at most {@code recentEvents}.
   */
  private final ArrayDeque<FeedItem.Frame> recent = new ArrayDeque<>();

  /** Subscribers without a cursor that came while the hub was not live; they join once it is. */
  private final List<Subscriber> awaitingPosition = new ArrayList<>();

  /** Frames being handed to the subscribers there were when each was fanned out, oldest first. */
  private final ArrayDeque<Outgoing> outgoing = new ArrayDeque<>();

  /** The next subscriber of the oldest outgoing frame. */
  private int nextRecipient;

  /** Events that arrived while the hub did not know its place, or was filling a gap. */
  private final List<TopicEvent> pending = new ArrayList<>();

  private TopicHub(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
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
    this.timers = timers;
    this.resyncInterval = settings.resyncInterval();
    resync(null);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Subscribe.class, this::onSubscribe)
        .onMessage(Unsubscribe.class, this::onUnsubscribe)
        .onMessage(Deliver.class, this::onDeliver)
        .onMessage(HistoryRead.class, this::onHistoryRead)
        .onMessage(HistoryFailed.class, this::onHistoryFailed)
        .onMessage(Resynced.class, this::onResynced)
        .onMessage(ResyncFailed.class, this::onResyncFailed)
        .onMessageEquals(ResyncTick.INSTANCE, this::onResyncTick)
        .onMessageEquals(CatchUpTick.INSTANCE, this::onCatchUpTick)
        .onMessageEquals(HandOutMore.INSTANCE, this::onHandOutMore)
        .onMessageEquals(CompleteAll.INSTANCE, this::onCompleteAll)
        .build();
  }

  private Behavior<Command> onSubscribe(Subscribe subscribe) {
    subscribesHandled++;
    Subscriber subscriber =
        new Subscriber(subscribe.subscriberId(), subscribe.queue(), subscribe.synced());
    subscribers.put(subscribe.subscriberId(), subscriber);
    List<FeedItem.Frame> fromRecent = fromRecent(subscribe.after(), subscribe.replay());
    if (fromRecent != null) {
      counters.countServedByHub();
      catchUp(subscriber, position, fromRecent, false);
      return this;
    }
    if (subscribe.after() == null && subscribe.replay() == 0) {
      // Not live yet, so an ask of the owner is under way: the subscriber joins at the position it
      // brings, with everyone else who came meanwhile, instead of each asking on its own.
      awaitingPosition.add(subscriber);
      return this;
    }
    read(subscribe.subscriberId(), subscribe.after(), subscribe.replay());
    return this;
  }

  /** Asks the owner for a subscriber's history; the answer comes back as HistoryRead. */
  private void read(long subscriberId, Position after, int replay) {
    int limit = settings.historyLimit();
    getContext()
        .pipeToSelf(
            owners.<TopicOwner.Slice>ask(
                topic,
                replyTo -> new TopicOwner.Read(after, replay, limit, replyTo, node),
                settings.ownerTimeout()),
            (slice, failure) ->
                failure == null
                    ? new HistoryRead(subscriberId, slice)
                    : new HistoryFailed(subscriberId, failure));
  }

  /**
   * What a new subscriber needs from the hub's latest frames, or null if they do not cover it (or
   * the hub is not live, so its position may be behind what the owner has sequenced and told).
   */
  private List<FeedItem.Frame> fromRecent(Position after, int replay) {
    if (position == null || resyncing || !pending.isEmpty()) {
      return null;
    }
    if (after == null) {
      if (replay == 0) {
        return List.of();
      }
      return replay <= recent.size() ? latest(replay) : null;
    }
    if (after.epoch() != position.epoch() || after.seq() > position.seq()) {
      return null;
    }
    long missed = position.seq() - after.seq();
    return missed <= recent.size() ? latest((int) missed) : null;
  }

  private List<FeedItem.Frame> latest(int n) {
    List<FeedItem.Frame> out = new ArrayList<>(n);
    int skip = recent.size() - n;
    for (FeedItem.Frame frame : recent) {
      if (skip-- <= 0) {
        out.add(frame);
      }
    }
    return out;
  }

  private Behavior<Command> onHistoryRead(HistoryRead read) {
    Subscriber s = subscribers.get(read.subscriberId());
    if (s == null) {
      return this;
    }
    TopicOwner.Slice slice = read.slice();
    // When continuity is lost the slice holds the oldest events still kept: they follow the reset.
    catchUp(
        s, slice.head(), slice.events().stream().map(this::frame).toList(), slice.continuityLost());
    return this;
  }

  /** Starts handing a subscriber its catch-up, after which it is live from {@code head}. */
  private void catchUp(
      Subscriber s, Position head, List<FeedItem.Frame> frames, boolean continuityLost) {
    s.epoch = head.epoch();
    s.lastSeq = head.seq();
    s.catchUp = new ArrayDeque<>(frames);
    s.syncedItem = new FeedItem.Synced(topic, head, continuityLost);
    s.synced.complete(null);
    topUp(s);
  }

  /**
   * Hands over as much of the catch-up as the subscriber's queue has room for, so that a resume
   * with more history than the queue holds is paced by the client instead of cutting it off; live
   * events wait behind it (held back, within the same bound). Once all is handed over, the
   * subscription learns it is synced and the held-back events follow.
   */
  private boolean topUp(Subscriber s) {
    while (!s.catchUp.isEmpty()) {
      // Half the queue at most: the subscription's other topics offer into it meanwhile.
      if (s.queue.size() >= settings.bufferSize() / 2) {
        timers.startSingleTimer(CatchUpTick.INSTANCE, CATCH_UP_INTERVAL);
        return false;
      }
      if (!push(s, s.catchUp.poll())) {
        return false;
      }
    }
    s.catchUp = null;
    if (!push(s, s.syncedItem)) {
      return false;
    }
    List<FeedItem.Frame> held = s.heldBack;
    s.heldBack = null;
    for (FeedItem.Frame frame : held) {
      if (s.wants(frame.position()) && !push(s, frame)) {
        return false;
      }
    }
    return true;
  }

  private Behavior<Command> onCatchUpTick() {
    for (Subscriber s : new ArrayList<>(subscribers.values())) {
      if (s.catchUp != null && subscribers.containsKey(s.id)) {
        topUp(s);
      }
    }
    return this;
  }

  private Behavior<Command> onHistoryFailed(HistoryFailed failed) {
    Subscriber s = subscribers.remove(failed.subscriberId());
    if (s != null) {
      getContext()
          .getLog()
          .warn(
              "history of [{}] unavailable, closing subscriber: {}",
              topic,
              failed.cause().toString());
      close(s.queue, failed.cause());
      s.synced.completeExceptionally(failed.cause());
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
    live(deliver.event());
    return this;
  }

  /**
   * Fans out the next event of the topic's sequence; holds anything else back and asks the owner
   * for what is missing. A new owner incarnation (another epoch) starts again at 1.
   */
  private void live(TopicEvent e) {
    if (position == null || resyncing) {
      hold(e);
      return;
    }
    Position p = e.position();
    if (p.epoch() == position.epoch()) {
      if (p.seq() == position.seq() + 1) {
        fanOut(e);
      } else if (p.seq() > position.seq()) {
        hold(e);
        resync(position);
      }
    } else if (p.epoch() > position.epoch()) {
      if (p.seq() == 1) {
        fanOut(e);
      } else {
        hold(e);
        resync(new Position(p.epoch(), 0));
      }
    }
  }

  /** Beyond what history holds, an event held back is dropped: the resync reads it again. */
  private void hold(TopicEvent e) {
    if (pending.size() < settings.historyLimit()) {
      pending.add(e);
    }
  }

  /** Asks again after the current interval, which grows while asks find nothing missing. */
  private void scheduleResync(boolean foundMissing) {
    resyncInterval =
        foundMissing
            ? settings.resyncInterval()
            : min(resyncInterval.multipliedBy(2), settings.resyncMaxInterval());
    timers.startSingleTimer(ResyncTick.INSTANCE, resyncInterval);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private void resync(Position after) {
    resyncing = true;
    int limit = settings.historyLimit();
    getContext()
        .pipeToSelf(
            owners.<TopicOwner.Slice>ask(
                topic,
                replyTo -> new TopicOwner.Read(after, 0, limit, replyTo, node),
                settings.ownerTimeout()),
            (slice, failure) -> failure == null ? new Resynced(slice) : new ResyncFailed(failure));
  }

  private Behavior<Command> onResyncTick() {
    if (!resyncing) {
      resync(position);
    }
    return this;
  }

  private Behavior<Command> onResynced(Resynced resynced) {
    TopicOwner.Slice slice = resynced.slice();
    resyncing = false;
    boolean foundMissing = !pending.isEmpty();
    if (position == null) {
      position = slice.head();
      foundMissing = true;
    } else {
      for (TopicEvent e : slice.events()) {
        if (newer(e.position())) {
          fanOut(e);
          foundMissing = true;
        }
      }
      if (newer(slice.head()) && slice.events().isEmpty()) {
        position = slice.head();
        recent.clear();
        foundMissing = true;
      }
    }
    scheduleResync(foundMissing);
    joinAwaiting();
    List<TopicEvent> held = new ArrayList<>(pending);
    pending.clear();
    held.forEach(this::live);
    return this;
  }

  private Behavior<Command> onResyncFailed(ResyncFailed failed) {
    resyncing = false;
    scheduleResync(true);
    getContext()
        .getLog()
        .warn("owner of [{}] did not answer a resync: {}", topic, failed.cause().toString());
    if (position != null) {
      // The hub goes on from its position (a gap seen live asks again), so joining there is safe.
      joinAwaiting();
      List<TopicEvent> held = new ArrayList<>(pending);
      pending.clear();
      held.forEach(this::live);
    } else {
      // Never placed: each waiting subscriber asks the owner itself (and answers 503 if it cannot).
      List<Subscriber> waiting = new ArrayList<>(awaitingPosition);
      awaitingPosition.clear();
      waiting.forEach(s -> read(s.id, null, 0));
    }
    return this;
  }

  private void joinAwaiting() {
    for (Subscriber s : awaitingPosition) {
      if (subscribers.get(s.id) == s) {
        counters.countServedByHub();
        catchUp(s, position, List.of(), false);
      }
    }
    awaitingPosition.clear();
  }

  private boolean newer(Position p) {
    return p.epoch() > position.epoch()
        || (p.epoch() == position.epoch() && p.seq() > position.seq());
  }

  private void fanOut(TopicEvent event) {
    Position p = event.position();
    boolean next = p.epoch() == position.epoch() && p.seq() == position.seq() + 1;
    position = p;
    if (!next) {
      recent.clear();
    }
    if (subscribers.isEmpty() && settings.recentEvents() == 0) {
      return;
    }
    FeedItem.Frame frame = frame(event);
    if (settings.recentEvents() > 0) {
      if (recent.size() == settings.recentEvents()) {
        recent.poll();
      }
      recent.add(frame);
    }
    if (subscribers.isEmpty()) {
      return;
    }
    outgoing.add(new Outgoing(event, frame, new ArrayList<>(subscribers.values())));
    if (outgoing.size() == 1) {
      handOut();
    }
  }

  /**
   * Offers the oldest outgoing frames to at most {@code fanOutSlice} subscribers, then, if more is
   * left, lets the rest of the node run before it goes on: each offer wakes a connection, and a
   * whole fan-out to many connections at once would queue that many wake-ups ahead of everything
   * else on the node (a publish's answer among them). Events leave in order for every subscriber.
   */
  private void handOut() {
    int budget = settings.fanOutSlice();
    while (budget > 0 && !outgoing.isEmpty()) {
      Outgoing o = outgoing.peek();
      List<Failed> failed = null;
      while (budget > 0 && nextRecipient < o.to().size()) {
        Subscriber s = o.to().get(nextRecipient++);
        budget--;
        QueueOfferResult result;
        if (subscribers.get(s.id) != s) {
          continue;
        } else if (s.heldBack != null) {
          result = heldBack(s, o.frame());
        } else if (s.wants(o.frame().position())) {
          result = offer(s, o.frame());
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
      if (nextRecipient == o.to().size()) {
        outgoing.poll();
        nextRecipient = 0;
        counters.handedOut(o.event(), System.currentTimeMillis());
      }
    }
    if (!outgoing.isEmpty()) {
      getContext().getSelf().tell(HandOutMore.INSTANCE);
    }
  }

  private Behavior<Command> onHandOutMore() {
    handOut();
    return this;
  }

  private Behavior<Command> onCompleteAll() {
    subscribers
        .values()
        .forEach(
            s -> {
              close(s.queue, null);
              s.synced.complete(null);
            });
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
    s.synced.complete(null);
    if (why == QueueOfferResult.dropped()) {
      counters.slowConsumerCut();
      getContext().getLog().debug("subscriber [{}] of [{}] too slow: cut off", s.id, topic);
      close(s.queue, new SlowConsumerException(topic));
    }
    idleCheck();
  }

  /**
   * Completes (cause null) or fails a queue; false when it was closed already. A subscription to
   * several topics shares one queue among their hubs, and the node may end a stream a hub has cut:
   * closing twice is not an error.
   */
  public static boolean close(BoundedSourceQueue<FeedItem> queue, Throwable cause) {
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

  private void idleCheck() {
    if (subscribers.isEmpty()) {
      parent.tell(new Idle(topic, subscribesHandled));
    }
  }
}

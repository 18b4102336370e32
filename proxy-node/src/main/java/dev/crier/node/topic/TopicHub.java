package dev.crier.node.topic;

import dev.crier.protocol.cursor.Position;
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
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;

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
   * Adds a subscriber. Its queue gets a {@link FeedItem.Synced} once the hub knows where its feed
   * goes on (the history it asked for follows, then every later event); the queue is failed if the
   * owner cannot be reached.
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
   * @param node this node's hub directory, named in history reads so that the owner sends this node
   *     every later event
   */
  public static Behavior<Command> create(
      String topic,
      TopicHubSettings settings,
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

  private final String topic;
  private final TopicHubSettings settings;
  private final TopicOwners owners;
  private final ActorRef<TopicHubs.Command> node;
  private final ActorRef<Idle> parent;
  private final FanoutCounters counters;
  private final TimerScheduler<Command> timers;
  private Duration resyncInterval;
  private final Map<Long, HubSubscriber> subscribers = new HashMap<>();
  private long subscribesHandled;

  /** The last event fanned out; null until the owner has told the topic's head. */
  private Position position;

  private boolean resyncing;

  private final RecentFrames recent;
  private final HandOuts handOuts;

  /** Subscribers without a cursor that came while the hub was not live; they join once it is. */
  private final List<HubSubscriber> awaitingPosition = new ArrayList<>();

  /** Events that arrived while the hub did not know its place, or was filling a gap. */
  private final List<TopicEvent> pending = new ArrayList<>();

  private TopicHub(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      String topic,
      TopicHubSettings settings,
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
    this.recent = new RecentFrames(settings.recentEvents());
    this.handOuts = new HandOuts(counters);
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
    HubSubscriber subscriber =
        new HubSubscriber(
            subscribe.subscriberId(), subscribe.queue(), settings.bufferSize(), counters);
    subscribers.put(subscribe.subscriberId(), subscriber);
    List<FeedItem.Frame> fromRecent = fromRecent(subscribe.after(), subscribe.replay());
    if (fromRecent != null) {
      counters.countServedByHub();
      place(subscriber, position, fromRecent, false);
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
    return recent.covering(position, after, replay);
  }

  private Behavior<Command> onHistoryRead(HistoryRead read) {
    HubSubscriber s = subscribers.get(read.subscriberId());
    if (s == null) {
      return this;
    }
    TopicOwner.Slice slice = read.slice();
    // When continuity is lost the slice holds the oldest events still kept: they follow the reset.
    List<FeedItem.Frame> history =
        slice.events().stream().map(e -> FeedItem.Frame.of(topic, e)).toList();
    place(s, slice.head(), history, slice.continuityLost());
    return this;
  }

  private void place(
      HubSubscriber s, Position head, List<FeedItem.Frame> history, boolean continuityLost) {
    if (passed(s, s.place(topic, head, history, continuityLost))) {
      awaitRoom(s);
    }
  }

  /** The subscriber's queue is too full for the rest of its catch-up: try again shortly. */
  private void awaitRoom(HubSubscriber s) {
    if (s.waitsForRoom()) {
      timers.startSingleTimer(CatchUpTick.INSTANCE, CATCH_UP_INTERVAL);
    }
  }

  private Behavior<Command> onCatchUpTick() {
    for (HubSubscriber s : new ArrayList<>(subscribers.values())) {
      if (s.waitsForRoom() && passed(s, s.topUp())) {
        awaitRoom(s);
      }
    }
    return this;
  }

  private Behavior<Command> onHistoryFailed(HistoryFailed failed) {
    HubSubscriber s = subscribers.remove(failed.subscriberId());
    if (s != null) {
      getContext()
          .getLog()
          .warn(
              "history of [{}] unavailable, closing subscriber: {}",
              topic,
              failed.cause().toString());
      close(s.queue(), failed.cause());
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
      List<HubSubscriber> waiting = new ArrayList<>(awaitingPosition);
      awaitingPosition.clear();
      waiting.forEach(s -> read(s.id, null, 0));
    }
    return this;
  }

  private void joinAwaiting() {
    for (HubSubscriber s : awaitingPosition) {
      if (subscribers.get(s.id) == s) {
        counters.countServedByHub();
        place(s, position, List.of(), false);
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
    if (subscribers.isEmpty() && !recent.keepsAny()) {
      return;
    }
    FeedItem.Frame frame = FeedItem.Frame.of(topic, event);
    recent.add(frame, next);
    if (!subscribers.isEmpty()
        && handOuts.add(event, frame, new ArrayList<>(subscribers.values()))) {
      handOut();
    }
  }

  /** Hands out a slice, then lets the rest of the node run before it goes on. */
  private void handOut() {
    if (handOuts.handOut(settings.fanOutSlice(), subscribers, this::remove)) {
      getContext().getSelf().tell(HandOutMore.INSTANCE);
    }
  }

  private Behavior<Command> onHandOutMore() {
    handOut();
    return this;
  }

  private Behavior<Command> onCompleteAll() {
    subscribers.values().forEach(s -> close(s.queue(), null));
    subscribers.clear();
    return Behaviors.stopped();
  }

  /** Whether an offer was taken; if not, the subscriber is removed. */
  private boolean passed(HubSubscriber s, QueueOfferResult result) {
    if (result == QueueOfferResult.enqueued()) {
      return true;
    }
    remove(s, result);
    return false;
  }

  /** A dropped offer means the subscriber is too slow; anything else, that its stream is gone. */
  private void remove(HubSubscriber s, QueueOfferResult why) {
    if (subscribers.remove(s.id) == null) {
      return;
    }
    if (why == QueueOfferResult.dropped()) {
      counters.slowConsumerCut();
      getContext().getLog().debug("subscriber [{}] of [{}] too slow: cut off", s.id, topic);
      close(s.queue(), new SlowConsumerException(topic));
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

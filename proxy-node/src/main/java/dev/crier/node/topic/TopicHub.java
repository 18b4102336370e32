package dev.crier.node.topic;

import dev.crier.protocol.cursor.Position;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
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
 * offers the same bytes to every subscriber's bounded queue ({@link HandOuts}). A subscriber whose
 * queue is full is cut off at once, so no subscriber can slow the topic down.
 *
 * <p>The hub keeps its place in the topic's sequence and repairs gaps by reading the owner ({@link
 * GapRepair}). A new subscriber is brought up to date from the owner's history (resume or replay)
 * before it goes live ({@link HubSubscriber}), so the switch to live has no gap and no duplicate.
 * Once the hub is steady, a subscriber without a cursor joins at the hub's position, and one whose
 * cursor or replay falls within the hub's latest frames ({@link RecentFrames}) is served from them:
 * neither asks the owner.
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

  /** The owner's answer to a subscriber's read: the slice, or why there is none. */
  private record HistoryRead(long subscriberId, TopicOwner.Slice slice, Throwable failure)
      implements InternalCommand {}

  /** The owner's answer to the hub's own read. */
  private record Resynced(TopicOwner.Slice slice, Throwable failure) implements InternalCommand {}

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
  private final Map<Long, HubSubscriber> subscribers = new HashMap<>();
  private long subscribesHandled;

  private final GapRepair gaps;
  private final RecentFrames recent;
  private final HandOuts handOuts;

  /** Subscribers without a cursor that came while the hub was not live; they join once it is. */
  private final List<HubSubscriber> awaitingPosition = new ArrayList<>();

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
    this.gaps =
        new GapRepair(
            settings.historyLimit(), settings.resyncInterval(), settings.resyncMaxInterval());
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
        .onMessage(Resynced.class, this::onResynced)
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
      place(subscriber, gaps.position(), fromRecent, false);
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
    askOwner(after, replay, (slice, failure) -> new HistoryRead(subscriberId, slice, failure));
  }

  /** Reads the owner's history after a position (naming this node, which it then sends to). */
  private void askOwner(
      Position after, int replay, BiFunction<TopicOwner.Slice, Throwable, Command> answer) {
    int limit = settings.historyLimit();
    getContext()
        .pipeToSelf(
            owners.<TopicOwner.Slice>ask(
                topic,
                replyTo -> new TopicOwner.Read(after, replay, limit, replyTo, node),
                settings.ownerTimeout()),
            answer::apply);
  }

  /**
   * What a new subscriber needs from the hub's latest frames, or null if they do not cover it (or
   * the hub is not live, so its position may be behind what the owner has sequenced and told).
   */
  private List<FeedItem.Frame> fromRecent(Position after, int replay) {
    return gaps.steady() ? recent.covering(gaps.position(), after, replay) : null;
  }

  private Behavior<Command> onHistoryRead(HistoryRead read) {
    HubSubscriber s = subscribers.get(read.subscriberId());
    if (s == null) {
      return this;
    } else if (read.failure() != null) {
      historyFailed(s, read.failure());
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

  private void historyFailed(HubSubscriber s, Throwable cause) {
    subscribers.remove(s.id);
    getContext()
        .getLog()
        .warn("history of [{}] unavailable, closing subscriber: {}", topic, cause.toString());
    FeedItem.close(s.queue(), cause);
    idleCheck();
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

  private void live(TopicEvent e) {
    switch (gaps.live(e)) {
      case FAN_OUT -> fanOut(e);
      case READ -> resync(gaps.readFrom());
      case WAIT, DROP -> {}
    }
  }

  private void scheduleResync(boolean foundMissing) {
    timers.startSingleTimer(ResyncTick.INSTANCE, gaps.nextReadIn(foundMissing));
  }

  private void resync(Position after) {
    gaps.readStarted();
    askOwner(after, 0, Resynced::new);
  }

  private Behavior<Command> onResyncTick() {
    if (!gaps.reading()) {
      resync(gaps.position());
    }
    return this;
  }

  private Behavior<Command> onResynced(Resynced resynced) {
    if (resynced.failure() != null) {
      return resyncFailed(resynced.failure());
    }
    GapRepair.Found found = gaps.readDone(resynced.slice());
    found.missing().forEach(this::fanOut);
    if (found.jumped()) {
      recent.clear();
    }
    scheduleResync(found.anything());
    joinAwaiting();
    gaps.takeWaiting().forEach(this::live);
    return this;
  }

  private Behavior<Command> resyncFailed(Throwable cause) {
    gaps.readFailed();
    scheduleResync(true);
    getContext()
        .getLog()
        .warn("owner of [{}] did not answer a resync: {}", topic, cause.toString());
    if (gaps.position() != null) {
      // The hub goes on from its position (a gap seen live asks again), so joining there is safe.
      joinAwaiting();
      gaps.takeWaiting().forEach(this::live);
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
        place(s, gaps.position(), List.of(), false);
      }
    }
    awaitingPosition.clear();
  }

  private void fanOut(TopicEvent event) {
    boolean next = gaps.fannedOut(event.position());
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
    subscribers.values().forEach(s -> FeedItem.close(s.queue(), null));
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
      FeedItem.close(s.queue(), new SlowConsumerException(topic));
    }
    idleCheck();
  }

  private void idleCheck() {
    if (subscribers.isEmpty()) {
      parent.tell(new Idle(topic, subscribesHandled));
    }
  }
}

package dev.crier.node.topic;

import dev.crier.node.ClusterMessage;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * This node's {@link TopicHub}s, one per topic with local subscribers: starts a hub on its first
 * subscriber, routes events to it, and stops it when its last subscriber has gone. It is the node's
 * address for events: owners send to it, and it registers the node's interest in a topic with the
 * cluster's registry, withdrawing it a linger period after the topic's hub stopped.
 */
public final class TopicHubs extends AbstractBehavior<TopicHubs.Command> {

  /** What the hub directory understands. */
  public sealed interface Command {}

  /** A subscriber for one topic (the hub is started if needed). */
  public record Subscribe(String topic, TopicHub.Subscribe subscribe) implements Command {}

  /** A subscriber's stream for one topic has ended. */
  public record Unsubscribe(String topic, long subscriberId) implements Command {}

  /** An event for the local subscribers of its topic, if any; sent by owners on any node. */
  public record Deliver(TopicEvent event) implements Command, ClusterMessage {}

  /**
   * Completes every local subscriber's stream, and every one that arrives later, so that clients
   * reconnect (elsewhere); answers once the hubs have been told.
   */
  public record CompleteAll(ActorRef<Done> replyTo) implements Command {}

  private record HubIdle(TopicHub.Idle idle) implements Command {}

  private record HubStopped(String topic, ActorRef<TopicHub.Command> ref) implements Command {}

  private record LingerOver(String topic) implements Command {}

  /**
   * Where this node's interest in topics is announced.
   *
   * @param register called when the node's first subscriber of a topic arrives
   * @param unregister called a linger period after its last one left
   */
  public interface Interest {
    void register(String topic, ActorRef<Command> node);

    void unregister(String topic, ActorRef<Command> node);
  }

  private static final class Hub {
    final ActorRef<TopicHub.Command> ref;
    long subscribesSent;

    Hub(ActorRef<TopicHub.Command> ref) {
      this.ref = ref;
    }
  }

  public static Behavior<Command> create(
      TopicHubSettings settings,
      TopicOwners owners,
      FanoutCounters counters,
      Interest interest,
      Duration linger) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers ->
                    new TopicHubs(context, timers, settings, owners, counters, interest, linger)));
  }

  private final TimerScheduler<Command> timers;
  private final TopicHubSettings settings;
  private final TopicOwners owners;
  private final FanoutCounters counters;
  private final Interest interest;
  private final Duration linger;
  private final ActorRef<TopicHub.Idle> idleAdapter;
  private final Map<String, Hub> hubs = new HashMap<>();
  private final Set<String> registered = new HashSet<>();
  private long started;
  private boolean completed;

  private TopicHubs(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      TopicHubSettings settings,
      TopicOwners owners,
      FanoutCounters counters,
      Interest interest,
      Duration linger) {
    super(context);
    this.timers = timers;
    this.settings = settings;
    this.owners = owners;
    this.counters = counters;
    this.interest = interest;
    this.linger = linger;
    this.idleAdapter = context.messageAdapter(TopicHub.Idle.class, HubIdle::new);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Subscribe.class, this::onSubscribe)
        .onMessage(Unsubscribe.class, this::onUnsubscribe)
        .onMessage(Deliver.class, this::onDeliver)
        .onMessage(CompleteAll.class, this::onCompleteAll)
        .onMessage(HubIdle.class, this::onHubIdle)
        .onMessage(HubStopped.class, this::onHubStopped)
        .onMessage(LingerOver.class, this::onLingerOver)
        .build();
  }

  private Behavior<Command> onSubscribe(Subscribe subscribe) {
    if (completed) {
      // The node is going away: a stream that raced with CompleteAll ends at once, too.
      FeedItem.close(subscribe.subscribe().queue(), null);
      return this;
    }
    Hub hub = hubs.computeIfAbsent(subscribe.topic(), this::start);
    hub.subscribesSent++;
    hub.ref.tell(subscribe.subscribe());
    return this;
  }

  private Hub start(String topic) {
    timers.cancel(topic);
    if (registered.add(topic)) {
      interest.register(topic, getContext().getSelf());
    }
    // Topic names may hold characters actor names cannot, so hubs are numbered.
    ActorRef<TopicHub.Command> ref =
        getContext()
            .spawn(
                TopicHub.create(
                    topic, settings, owners, getContext().getSelf(), idleAdapter, counters),
                "hub-" + (++started));
    getContext().watchWith(ref, new HubStopped(topic, ref));
    counters.topics(hubs.size() + 1);
    return new Hub(ref);
  }

  private Behavior<Command> onUnsubscribe(Unsubscribe unsubscribe) {
    Hub hub = hubs.get(unsubscribe.topic());
    if (hub != null) {
      hub.ref.tell(new TopicHub.Unsubscribe(unsubscribe.subscriberId()));
    }
    return this;
  }

  private Behavior<Command> onDeliver(Deliver deliver) {
    Hub hub = hubs.get(deliver.event().topic());
    if (hub != null) {
      hub.ref.tell(new TopicHub.Deliver(deliver.event()));
    }
    return this;
  }

  /** Stops an idle hub unless a subscribe is already on its way to it. */
  private Behavior<Command> onHubIdle(HubIdle message) {
    TopicHub.Idle idle = message.idle();
    Hub hub = hubs.get(idle.topic());
    if (hub != null && hub.subscribesSent == idle.subscribesHandled()) {
      getContext().stop(hub.ref);
      forget(idle.topic());
    }
    return this;
  }

  private Behavior<Command> onHubStopped(HubStopped stopped) {
    Hub hub = hubs.get(stopped.topic());
    if (hub != null && hub.ref.equals(stopped.ref())) {
      forget(stopped.topic());
    }
    return this;
  }

  private void forget(String topic) {
    hubs.remove(topic);
    counters.topics(hubs.size());
    timers.startSingleTimer(topic, new LingerOver(topic), linger);
  }

  /** The topic stayed without local subscribers for the whole linger: withdraw the interest. */
  private Behavior<Command> onLingerOver(LingerOver over) {
    if (!hubs.containsKey(over.topic()) && registered.remove(over.topic())) {
      interest.unregister(over.topic(), getContext().getSelf());
      owners.tell(over.topic(), new TopicOwner.NodeIdle(getContext().getSelf()));
    }
    return this;
  }

  private Behavior<Command> onCompleteAll(CompleteAll complete) {
    completed = true;
    hubs.values().forEach(hub -> hub.ref.tell(TopicHub.CompleteAll.INSTANCE));
    hubs.clear();
    complete.replyTo().tell(Done.getInstance());
    return this;
  }
}

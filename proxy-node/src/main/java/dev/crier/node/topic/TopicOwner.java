package dev.crier.node.topic;

import dev.crier.node.ClusterMessage;
import dev.crier.protocol.cursor.Position;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * The one sequencer of a topic: gives each published event its position (this incarnation's epoch
 * and the next sequence number), remembers idempotency keys, holds scheduled events until they are
 * due, keeps the topic's history, and hands every event, in order, to the {@link EventTransport}.
 *
 * <p>It is event-sourced: what it accepts is stored (the {@link Stored} events) before it answers
 * or delivers, so a new incarnation — after a restart, a move or a crash — recovers the epoch,
 * history, keys and schedule, and a 201 means stored. With {@code crier.history.store = memory}
 * nothing is kept and a new incarnation starts a new epoch.
 *
 * <p>It knows nothing of where it runs: its name comes in, its replies go to the refs in the
 * messages, its output goes to the transport, so it can live as a Cluster Sharding entity.
 */
public final class TopicOwner
    extends EventSourcedBehavior<TopicOwner.Command, TopicOwner.Stored, TopicState> {

  /** What a topic's owner understands; sent from any node. */
  public sealed interface Command extends ClusterMessage {}

  /**
   * Sequences (or schedules) the drafts in order, all for this topic, and answers once they are
   * stored. Refused whole when its scheduled drafts would exceed the topic's limit.
   *
   * @param notAfterMillis past this time (epoch ms) the publisher has been told the outcome is
   *     unknown: the owner then drops the publish rather than sequence it late
   */
  public record Publish(List<Draft> drafts, long notAfterMillis, ActorRef<Published> replyTo)
      implements Command {

    public Publish(List<Draft> drafts, ActorRef<Published> replyTo) {
      this(drafts, Long.MAX_VALUE, replyTo);
    }
  }

  /**
   * An event before sequencing.
   *
   * @param type SSE event type or null
   * @param idempotencyKey null, or a key that makes a repeat within the dedupe window a no-op
   * @param deliverAt null, or when to publish it (epoch ms); a time already past means now
   */
  public record Draft(String type, String data, String idempotencyKey, Long deliverAt) {

    public Draft(String type, String data, String idempotencyKey) {
      this(type, data, idempotencyKey, null);
    }
  }

  /**
   * The outcome of a {@link Publish}: one entry per draft, in order, or none when refused.
   *
   * @param refusal null, or why nothing was accepted
   */
  public record Published(String topic, List<Accepted> accepted, String refusal)
      implements ClusterMessage {}

  /**
   * One draft's outcome.
   *
   * @param id the event's cursor, or for a scheduled event its schedule id
   * @param position the event's position; null while it is scheduled
   * @param duplicate true when the idempotency key was seen before and nothing was added
   */
  public record Accepted(String id, Position position, boolean duplicate) {

    public boolean scheduled() {
      return position == null;
    }
  }

  /**
   * Asks for history. With {@code after} set: the events after that position, up to {@code limit}.
   * Without: the newest {@code last} events (0 for none, just the head).
   *
   * @param subscriberNode null, or the hub directory of a node that now has subscribers for the
   *     topic: every event sequenced after this read is sent there, so the node's catch-up from
   *     history and its live events meet without a gap
   */
  public record Read(
      Position after,
      int last,
      int limit,
      ActorRef<Slice> replyTo,
      ActorRef<TopicHubs.Command> subscriberNode)
      implements Command {

    public Read(Position after, int last, int limit, ActorRef<Slice> replyTo) {
      this(after, last, limit, replyTo, null);
    }
  }

  /**
   * Sharding moves the owner (drain, rebalance): in memory mode it hands its state to its next
   * incarnation (through {@link HandOffSnapshotStore}) and wakes it; with a journal it just stops.
   */
  public record HandOff() implements Command {}

  /** Starts an owner that is not running, so that it claims a hand-off at once. */
  public record Wake() implements Command {}

  /** A node has no subscribers for the topic any more: stop sending it events. */
  public record NodeIdle(ActorRef<TopicHubs.Command> node) implements Command {}

  /**
   * History as read by one {@link Read}.
   *
   * @param headSeq the newest sequence number at the time of reading
   * @param continuityLost the requested position is not covered by this owner's history (older than
   *     what is kept, or from another epoch); {@code events} then holds the oldest kept ones
   */
  public record Slice(
      String topic, long epoch, List<TopicEvent> events, long headSeq, boolean continuityLost)
      implements ClusterMessage {

    /** The position right after the newest event of the topic at reading time. */
    public Position head() {
      return new Position(epoch, headSeq);
    }
  }

  /** Cancels a scheduled event that is not yet due. */
  public record Cancel(String scheduleId, ActorRef<CancelResult> replyTo) implements Command {}

  /** What became of a {@link Cancel}. */
  public enum CancelResult implements ClusterMessage {
    CANCELLED,
    ALREADY_DELIVERED,
    UNKNOWN
  }

  /** What an owner stores: replaying these in order rebuilds its {@link TopicState}. */
  public sealed interface Stored {}

  /** The first stored event of a topic: the epoch of all its cursors. */
  public record Started(long epoch) implements Stored {}

  /**
   * One event given its position.
   *
   * @param idempotencyKey null, or the key that a repeat within the dedupe window is answered by
   * @param scheduleId null, or the schedule this event was due from
   */
  public record Sequenced(TopicEvent event, String idempotencyKey, String scheduleId)
      implements Stored {}

  /** A draft held until its time. */
  public record Scheduled(String scheduleId, Draft draft, long at) implements Stored {}

  /** A scheduled draft withdrawn before it was due. */
  public record Cancelled(String scheduleId) implements Stored {}

  /** The owner left this incarnation in memory mode: its state is in the snapshot taken now. */
  public record HandingOff() implements Stored {}

  private record Due(String scheduleId) implements Command {}

  private record NodeGone(ActorRef<TopicHubs.Command> node) implements Command {}

  private enum IdleCheck implements Command {
    INSTANCE
  }

  /** Schedule ids are told apart from cursors by their prefix. */
  public static final String SCHEDULE_ID_PREFIX = "s";

  /** The refusal of a publish whose storing failed. */
  public static final String STORE_FAILED = "the history store did not take the events";

  /**
   * Creates the owner of {@code topic}.
   *
   * @param knownSubscriberNodes where the cluster's registry says the topic has subscribers: the
   *     nodes a new owner (after a move) sends to before they read from it again
   * @param moves how it reaches its next incarnation when sharding moves or passivates it
   */
  public static Behavior<Command> create(
      String topic,
      TopicOwnerSettings settings,
      EventTransport transport,
      Function<String, Set<ActorRef<TopicHubs.Command>>> knownSubscriberNodes,
      HistoryCounters historyCounters,
      Clock clock,
      OwnerMoves moves) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers ->
                    new TopicOwner(
                        context,
                        timers,
                        topic,
                        settings,
                        transport,
                        knownSubscriberNodes.apply(topic),
                        historyCounters,
                        clock,
                        moves)));
  }

  private final ActorContext<Command> context;
  private final String topic;
  private final TopicOwnerSettings settings;
  private final HistoryCounters historyCounters;
  private final Clock clock;
  private final OwnerMoves moves;
  private final SubscriberNodes nodes;
  private final IdlePassivation passivation;
  private final OwnerSchedule schedule;
  private final OwnerPublishing publishing;

  private TopicOwner(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      String topic,
      TopicOwnerSettings settings,
      EventTransport transport,
      Set<ActorRef<TopicHubs.Command>> subscriberNodes,
      HistoryCounters historyCounters,
      Clock clock,
      OwnerMoves moves) {
    super(PersistenceId.of("topic", topic), HistoryStoreSettings.RESTART_ON_FAILURE);
    this.context = context;
    this.topic = topic;
    this.settings = settings;
    this.historyCounters = historyCounters;
    this.clock = clock;
    this.moves = moves;
    this.nodes = new SubscriberNodes(context, NodeGone::new, transport);
    this.passivation =
        new IdlePassivation(
            settings.store(), clock, in -> timers.startSingleTimer(IdleCheck.INSTANCE, in));
    this.schedule = new OwnerSchedule(topic, clock, timers, Due::new, Effect(), nodes::deliver);
    this.publishing =
        new OwnerPublishing(
            topic, settings.maxScheduled(), clock, context, Effect(), nodes::deliver, schedule);
    subscriberNodes.forEach(nodes::add);
  }

  @Override
  public TopicState emptyState() {
    return new TopicState(settings, historyCounters);
  }

  @Override
  public String journalPluginId() {
    return settings.store().journalPluginId();
  }

  @Override
  public String snapshotPluginId() {
    return settings.store().snapshotPluginId();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return settings.store().retention();
  }

  @Override
  public boolean shouldSnapshot(TopicState state, Stored event, long sequenceNr) {
    return event instanceof HandingOff;
  }

  @Override
  public SnapshotAdapter<TopicState> snapshotAdapter() {
    return new OwnerSnapshots(settings, historyCounters, nodes);
  }

  @Override
  public EventHandler<TopicState, Stored> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(TopicState::apply);
  }

  @Override
  public SignalHandler<TopicState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::onRecovered)
        .onSignal(PostStop.instance(), TopicState::release)
        .build();
  }

  @Override
  public CommandHandler<Command, Stored, TopicState> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Publish.class, this::onPublish)
        .onCommand(Read.class, this::onRead)
        .onCommand(Cancel.class, this::onCancel)
        .onCommand(Due.class, (state, due) -> schedule.onDue(state, due.scheduleId()))
        .onCommand(HandOff.class, this::onHandOff)
        .onCommand(IdleCheck.class, this::onIdleCheck)
        .onCommand(Wake.class, (state, w) -> Effect().none())
        .onCommand(NodeIdle.class, (state, idle) -> removeNode(idle.node()))
        .onCommand(NodeGone.class, (state, gone) -> removeNode(gone.node()))
        .build();
  }

  private Effect<Stored, TopicState> onIdleCheck(TopicState state, IdleCheck check) {
    if (passivation.idle(state.scheduledSize() == 0 && nodes.isEmpty())) {
      moves.passivate(context.getSelf());
    }
    return Effect().none();
  }

  private void onRecovered(TopicState state) {
    passivation.start();
    schedule.resume(state);
    publishing.recovered(state);
    context
        .getLog()
        .debug(
            "topic owner of [{}] recovered epoch [{}] head [{}]",
            topic,
            state.epoch(),
            state.headSeq());
  }

  private Effect<Stored, TopicState> removeNode(ActorRef<TopicHubs.Command> node) {
    nodes.remove(node);
    return Effect().none();
  }

  private Effect<Stored, TopicState> onPublish(TopicState state, Publish publish) {
    passivation.touch();
    return publishing.onPublish(state, publish);
  }

  private Effect<Stored, TopicState> onHandOff(TopicState state, HandOff handOff) {
    if (settings.store().durable() || state.epoch() == 0 || !moves.successorUp()) {
      return Effect().stop();
    }
    return Effect().persist(new HandingOff()).thenRun(s -> moves.wake(topic)).thenStop();
  }

  private Effect<Stored, TopicState> onCancel(TopicState state, Cancel cancel) {
    passivation.touch();
    return schedule.onCancel(state, cancel);
  }

  private Effect<Stored, TopicState> onRead(TopicState state, Read read) {
    passivation.touch();
    if (read.subscriberNode() != null) {
      nodes.add(read.subscriberNode());
    }
    if (state.epoch() == 0) {
      return Effect()
          .persist(PublishPlan.start(clock.millis()))
          .thenReply(read.replyTo(), s -> slice(s, read));
    }
    return Effect().reply(read.replyTo(), slice(state, read));
  }

  private Slice slice(TopicState state, Read read) {
    return HistoryReads.slice(topic, state, read, clock.millis());
  }
}

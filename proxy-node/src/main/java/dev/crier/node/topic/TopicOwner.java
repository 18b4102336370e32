package dev.crier.node.topic;

import dev.crier.node.cluster.ClusterMessage;
import dev.crier.protocol.cursor.Position;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The one sequencer of a topic: gives each published event its position (this incarnation's epoch
 * and the next sequence number), remembers idempotency keys, holds scheduled events until they are
 * due, keeps the topic's history, and hands every event, in order, to the {@link EventTransport}.
 *
 * <p>It knows nothing of where it runs: its name comes in, its replies go to the refs in the
 * messages, its output goes to the transport, so it can live as a Cluster Sharding entity.
 * Scheduled events live in its memory: they are lost with it.
 */
public final class TopicOwner extends AbstractBehavior<TopicOwner.Command> {

  /** What a topic's owner understands; sent from any node. */
  public sealed interface Command extends ClusterMessage {}

  /**
   * Sequences (or schedules) the drafts in order, all for this topic, and answers once they are in
   * history (or scheduled). Refused whole when its scheduled drafts would exceed the topic's limit.
   */
  public record Publish(List<Draft> drafts, ActorRef<Published> replyTo) implements Command {}

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

  private record Due(String scheduleId) implements Command {}

  private record NodeGone(ActorRef<TopicHubs.Command> node) implements Command {}

  private record Remembered(Accepted answer, long atMillis) {}

  /**
   * Limits of one owner, read once from configuration.
   *
   * @param maxScheduled scheduled events one topic may hold ({@code crier.publish.max-scheduled})
   */
  public record Settings(HistorySettings history, DedupeSettings dedupe, int maxScheduled) {

    public static Settings create(com.typesafe.config.Config root) {
      return new Settings(
          HistorySettings.create(root),
          DedupeSettings.create(root),
          root.getInt("crier.publish.max-scheduled"));
    }
  }

  /** Schedule ids are told apart from cursors by their prefix. */
  public static final String SCHEDULE_ID_PREFIX = "s";

  /**
   * Creates the owner of {@code topic}; its epoch is its start time.
   *
   * @param knownSubscriberNodes where the cluster's registry says the topic has subscribers: the
   *     nodes a new owner (after a move) sends to before they read from it again
   */
  public static Behavior<Command> create(
      String topic,
      Settings settings,
      EventTransport transport,
      Function<String, Set<ActorRef<TopicHubs.Command>>> knownSubscriberNodes,
      HistoryCounters historyCounters,
      Clock clock) {
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
                        clock)));
  }

  private final TimerScheduler<Command> timers;
  private final String topic;
  private final Settings settings;
  private final EventTransport transport;
  private final Clock clock;
  private final long epoch;
  private final HistoryRing history;
  private final LinkedHashMap<String, Remembered> keys = new LinkedHashMap<>();
  private final Map<String, Draft> scheduled = new HashMap<>();
  private final LinkedHashMap<String, Remembered> delivered = new LinkedHashMap<>();
  private final Set<ActorRef<TopicHubs.Command>> nodes = new HashSet<>();
  private long scheduledCount;

  private TopicOwner(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      String topic,
      Settings settings,
      EventTransport transport,
      Set<ActorRef<TopicHubs.Command>> subscriberNodes,
      HistoryCounters historyCounters,
      Clock clock) {
    super(context);
    this.timers = timers;
    this.topic = topic;
    this.settings = settings;
    this.transport = transport;
    this.clock = clock;
    this.epoch = Math.max(1, clock.millis());
    this.history = new HistoryRing(settings.history().maxEvents(), historyCounters);
    subscriberNodes.forEach(this::addNode);
    context.getLog().debug("topic owner started [{}] epoch [{}]", topic, epoch);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Publish.class, this::onPublish)
        .onMessage(Read.class, this::onRead)
        .onMessage(Cancel.class, this::onCancel)
        .onMessage(Due.class, this::onDue)
        .onMessage(NodeIdle.class, idle -> removeNode(idle.node()))
        .onMessage(NodeGone.class, gone -> removeNode(gone.node()))
        .onSignal(PostStop.class, stop -> onStop())
        .build();
  }

  private Behavior<Command> onStop() {
    history.release();
    return this;
  }

  private void addNode(ActorRef<TopicHubs.Command> node) {
    if (nodes.add(node)) {
      getContext().watchWith(node, new NodeGone(node));
    }
  }

  private Behavior<Command> removeNode(ActorRef<TopicHubs.Command> node) {
    if (nodes.remove(node)) {
      getContext().unwatch(node);
    }
    return this;
  }

  private Behavior<Command> onPublish(Publish publish) {
    long now = clock.millis();
    forgetExpired(keys, now);
    history.evictPublishedBefore(now - settings.history().maxAge().toMillis());
    long toSchedule =
        publish.drafts().stream().filter(d -> d.deliverAt() != null && d.deliverAt() > now).count();
    if (toSchedule > 0 && scheduled.size() + toSchedule > settings.maxScheduled()) {
      publish
          .replyTo()
          .tell(
              new Published(
                  topic,
                  List.of(),
                  "topic " + topic + " holds " + settings.maxScheduled() + " scheduled events"));
      return this;
    }
    List<Accepted> accepted = new ArrayList<>(publish.drafts().size());
    for (Draft draft : publish.drafts()) {
      accepted.add(accept(draft, now));
    }
    publish.replyTo().tell(new Published(topic, accepted, null));
    return this;
  }

  private Accepted accept(Draft draft, long now) {
    if (draft.idempotencyKey() != null) {
      Remembered seen = keys.get(draft.idempotencyKey());
      if (seen != null) {
        return new Accepted(seen.answer().id(), seen.answer().position(), true);
      }
    }
    Accepted answer =
        draft.deliverAt() != null && draft.deliverAt() > now
            ? schedule(draft, now)
            : sequence(draft, now);
    if (draft.idempotencyKey() != null) {
      remember(keys, draft.idempotencyKey(), answer, now);
    }
    return answer;
  }

  private Accepted schedule(Draft draft, long now) {
    String id =
        SCHEDULE_ID_PREFIX + Long.toString(epoch, 36) + "-" + Long.toString(++scheduledCount, 36);
    scheduled.put(id, draft);
    timers.startSingleTimer(id, new Due(id), Duration.ofMillis(draft.deliverAt() - now));
    return new Accepted(id, null, false);
  }

  private Accepted sequence(Draft draft, long now) {
    Position position = new Position(epoch, history.headSeq() + 1);
    TopicEvent event = new TopicEvent(topic, position, draft.type(), draft.data(), now);
    history.append(event);
    transport.deliver(event, nodes);
    return new Accepted(position.toString(), position, false);
  }

  private Behavior<Command> onDue(Due due) {
    Draft draft = scheduled.remove(due.scheduleId());
    if (draft != null) {
      long now = clock.millis();
      history.evictPublishedBefore(now - settings.history().maxAge().toMillis());
      forgetExpired(delivered, now);
      remember(delivered, due.scheduleId(), sequence(draft, now), now);
    }
    return this;
  }

  private Behavior<Command> onCancel(Cancel cancel) {
    CancelResult result;
    if (scheduled.remove(cancel.scheduleId()) != null) {
      timers.cancel(cancel.scheduleId());
      result = CancelResult.CANCELLED;
    } else if (delivered.containsKey(cancel.scheduleId())) {
      result = CancelResult.ALREADY_DELIVERED;
    } else {
      result = CancelResult.UNKNOWN;
    }
    cancel.replyTo().tell(result);
    return this;
  }

  /** Remembers for the dedupe window, within the per-topic bound. */
  private void remember(
      LinkedHashMap<String, Remembered> memory, String key, Accepted answer, long now) {
    if (settings.dedupe().maxKeys() == 0) {
      return;
    }
    memory.put(key, new Remembered(answer, now));
    if (memory.size() > settings.dedupe().maxKeys()) {
      memory.remove(memory.keySet().iterator().next());
    }
  }

  private void forgetExpired(LinkedHashMap<String, Remembered> memory, long now) {
    long cutoff = now - settings.dedupe().window().toMillis();
    Iterator<Map.Entry<String, Remembered>> it = memory.entrySet().iterator();
    while (it.hasNext() && it.next().getValue().atMillis() < cutoff) {
      it.remove();
    }
  }

  private Behavior<Command> onRead(Read read) {
    if (read.subscriberNode() != null) {
      addNode(read.subscriberNode());
    }
    history.evictPublishedBefore(clock.millis() - settings.history().maxAge().toMillis());
    int limit = Math.max(0, read.limit());
    Slice slice;
    if (read.after() == null) {
      slice = slice(history.last(Math.min(read.last(), limit)), false);
    } else if (covers(read.after())) {
      slice = slice(history.after(read.after().seq(), limit), false);
    } else {
      slice = slice(history.after(0, limit), true);
    }
    read.replyTo().tell(slice);
    return this;
  }

  private boolean covers(Position after) {
    return after.epoch() == epoch
        && after.seq() <= history.headSeq()
        && after.seq() >= history.oldestSeq() - 1;
  }

  private Slice slice(List<TopicEvent> events, boolean continuityLost) {
    return new Slice(topic, epoch, events, history.headSeq(), continuityLost);
  }
}

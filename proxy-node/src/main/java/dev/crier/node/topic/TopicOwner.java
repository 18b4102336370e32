package dev.crier.node.topic;

import dev.crier.protocol.cursor.Position;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The one sequencer of a topic: gives each published event its position (this incarnation's epoch
 * and the next sequence number), remembers idempotency keys, keeps the topic's history, and hands
 * every event, in order, to the {@link EventTransport}.
 *
 * <p>It knows nothing of where it runs: its name comes in, its replies go to the refs in the
 * messages, its output goes to the transport, so it can live as a Cluster Sharding entity.
 */
public final class TopicOwner extends AbstractBehavior<TopicOwner.Command> {

  /** What a topic's owner understands. */
  public sealed interface Command {}

  /** Sequences the drafts in order, all for this topic, and answers once they are in history. */
  public record Publish(List<Draft> drafts, ActorRef<Published> replyTo) implements Command {}

  /**
   * An event before sequencing.
   *
   * @param type SSE event type or null
   * @param idempotencyKey null, or a key that makes a repeat within the dedupe window a no-op
   */
  public record Draft(String type, String data, String idempotencyKey) {}

  /** The positions given to a {@link Publish}'s drafts, in the same order. */
  public record Published(String topic, List<Accepted> accepted) {}

  /**
   * One draft's outcome.
   *
   * @param duplicate true when the idempotency key was seen before and no event was added
   */
  public record Accepted(Position position, boolean duplicate) {}

  /**
   * Asks for history. With {@code after} set: the events after that position, up to {@code limit}.
   * Without: the newest {@code last} events (0 for none, just the head).
   */
  public record Read(Position after, int last, int limit, ActorRef<Slice> replyTo)
      implements Command {}

  /**
   * History as read by one {@link Read}.
   *
   * @param headSeq the newest sequence number at the time of reading
   * @param continuityLost the requested position is not covered by this owner's history (older than
   *     what is kept, or from another epoch); {@code events} then holds the oldest kept ones
   */
  public record Slice(
      String topic, long epoch, List<TopicEvent> events, long headSeq, boolean continuityLost) {

    /** The position right after the newest event of the topic at reading time. */
    public Position head() {
      return new Position(epoch, headSeq);
    }
  }

  private record Remembered(Position position, long atMillis) {}

  /** Creates the owner of {@code topic}; its epoch is its start time. */
  public static Behavior<Command> create(
      String topic,
      HistorySettings history,
      DedupeSettings dedupe,
      EventTransport transport,
      Clock clock) {
    return Behaviors.setup(
        context -> new TopicOwner(context, topic, history, dedupe, transport, clock));
  }

  private final String topic;
  private final HistorySettings historySettings;
  private final DedupeSettings dedupe;
  private final EventTransport transport;
  private final Clock clock;
  private final long epoch;
  private final HistoryRing history;
  private final LinkedHashMap<String, Remembered> keys = new LinkedHashMap<>();

  private TopicOwner(
      ActorContext<Command> context,
      String topic,
      HistorySettings history,
      DedupeSettings dedupe,
      EventTransport transport,
      Clock clock) {
    super(context);
    this.topic = topic;
    this.historySettings = history;
    this.dedupe = dedupe;
    this.transport = transport;
    this.clock = clock;
    this.epoch = Math.max(1, clock.millis());
    this.history = new HistoryRing(history.maxEvents());
    context.getLog().debug("topic owner started [{}] epoch [{}]", topic, epoch);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Publish.class, this::onPublish)
        .onMessage(Read.class, this::onRead)
        .build();
  }

  private Behavior<Command> onPublish(Publish publish) {
    long now = clock.millis();
    forgetExpiredKeys(now);
    history.evictPublishedBefore(now - historySettings.maxAge().toMillis());
    List<Accepted> accepted = new ArrayList<>(publish.drafts().size());
    for (Draft draft : publish.drafts()) {
      accepted.add(sequence(draft, now));
    }
    publish.replyTo().tell(new Published(topic, accepted));
    return this;
  }

  private Accepted sequence(Draft draft, long now) {
    if (draft.idempotencyKey() != null) {
      Remembered seen = keys.get(draft.idempotencyKey());
      if (seen != null) {
        return new Accepted(seen.position(), true);
      }
    }
    Position position = new Position(epoch, history.headSeq() + 1);
    TopicEvent event = new TopicEvent(topic, position, draft.type(), draft.data(), now);
    history.append(event);
    if (draft.idempotencyKey() != null && dedupe.maxKeys() > 0) {
      keys.put(draft.idempotencyKey(), new Remembered(position, now));
      if (keys.size() > dedupe.maxKeys()) {
        keys.remove(keys.keySet().iterator().next());
      }
    }
    transport.deliver(event);
    return new Accepted(position, false);
  }

  private void forgetExpiredKeys(long now) {
    long cutoff = now - dedupe.window().toMillis();
    Iterator<Map.Entry<String, Remembered>> it = keys.entrySet().iterator();
    while (it.hasNext() && it.next().getValue().atMillis() < cutoff) {
      it.remove();
    }
  }

  private Behavior<Command> onRead(Read read) {
    history.evictPublishedBefore(clock.millis() - historySettings.maxAge().toMillis());
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

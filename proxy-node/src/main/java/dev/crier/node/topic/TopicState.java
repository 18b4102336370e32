package dev.crier.node.topic;

import dev.crier.protocol.cursor.Position;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What a {@link TopicOwner} knows, rebuilt from its journal: the epoch, the history, remembered
 * idempotency keys, scheduled events and the ids of delivered ones. Changed only by {@link #apply},
 * so that replaying the stored events gives back the same state.
 *
 * <p>Not thread-safe: owned by one owner.
 */
final class TopicState {

  /** An answer remembered for the dedupe window. */
  record Remembered(String key, String id, Position position, long atMillis) {}

  /** A scheduled event not yet due. */
  record Pending(String scheduleId, TopicOwner.Draft draft) {}

  /**
   * The state as stored in a snapshot: immutable, unlike the state itself.
   *
   * @param subscriberNodes in a memory-mode hand-off, the nodes the owner was sending to, so that
   *     its successor goes on sending to them at once; empty in a journal, where they would be
   *     stale
   */
  record Snapshot(
      long epoch,
      long headSeq,
      List<TopicEvent> history,
      List<Remembered> keys,
      List<Remembered> delivered,
      List<Pending> scheduled,
      long scheduledCount,
      List<ActorRef<TopicHubs.Command>> subscriberNodes) {}

  private final TopicOwnerSettings settings;
  private final HistoryRing history;
  private final LinkedHashMap<String, Remembered> keys = new LinkedHashMap<>();
  private final LinkedHashMap<String, TopicOwner.Draft> scheduled = new LinkedHashMap<>();
  private final LinkedHashMap<String, Remembered> delivered = new LinkedHashMap<>();
  private long epoch;
  private long scheduledCount;

  TopicState(TopicOwnerSettings settings, HistoryCounters counters) {
    this.settings = settings;
    this.history = new HistoryRing(settings.history().maxEvents(), counters);
  }

  TopicState apply(TopicOwner.Stored stored) {
    if (stored instanceof TopicOwner.Started s) {
      epoch = s.epoch();
    } else if (stored instanceof TopicOwner.Sequenced s) {
      sequenced(s);
    } else if (stored instanceof TopicOwner.Scheduled s) {
      scheduled.put(s.scheduleId(), s.draft());
      scheduledCount++;
      if (s.draft().idempotencyKey() != null) {
        remember(keys, new Remembered(s.draft().idempotencyKey(), s.scheduleId(), null, s.at()));
      }
    } else if (stored instanceof TopicOwner.Cancelled c) {
      scheduled.remove(c.scheduleId());
    }
    // TopicOwner.HandingOff changes nothing: it only marks where the hand-off snapshot was taken.
    return this;
  }

  private void sequenced(TopicOwner.Sequenced s) {
    TopicEvent event = s.event();
    long at = event.publishedAtMillis();
    history.evictPublishedBefore(at - settings.history().maxAge().toMillis());
    history.append(event);
    forgetExpired(keys, at);
    if (s.idempotencyKey() != null) {
      remember(
          keys,
          new Remembered(s.idempotencyKey(), event.position().toString(), event.position(), at));
    }
    if (s.scheduleId() != null) {
      scheduled.remove(s.scheduleId());
      forgetExpired(delivered, at);
      remember(
          delivered,
          new Remembered(s.scheduleId(), event.position().toString(), event.position(), at));
    }
  }

  long epoch() {
    return epoch;
  }

  long headSeq() {
    return history.headSeq();
  }

  long oldestSeq() {
    return history.oldestSeq();
  }

  long scheduledCount() {
    return scheduledCount;
  }

  int scheduledSize() {
    return scheduled.size();
  }

  Map<String, TopicOwner.Draft> scheduled() {
    return Collections.unmodifiableMap(scheduled);
  }

  boolean wasDelivered(String scheduleId) {
    return delivered.containsKey(scheduleId);
  }

  /** The answer remembered for an idempotency key, if it is still within the dedupe window. */
  Remembered seen(String key, long now) {
    Remembered r = keys.get(key);
    return r == null || r.atMillis() < now - settings.dedupe().window().toMillis() ? null : r;
  }

  /**
   * Drops events past the history's age. Only what reads see changes: a replay of the journal keeps
   * them until the next event or read drops them again.
   */
  void forgetAged(long now) {
    history.evictPublishedBefore(now - settings.history().maxAge().toMillis());
  }

  /** Up to {@code limit} kept events after {@code afterSeq}. */
  List<TopicEvent> after(long afterSeq, int limit) {
    return history.after(afterSeq, limit);
  }

  /** The newest {@code n} kept events, oldest first. */
  List<TopicEvent> last(int n) {
    return history.last(n);
  }

  /** Gives the kept events' count back when the owner stops. */
  void release() {
    history.release();
  }

  Snapshot snapshot(List<ActorRef<TopicHubs.Command>> subscriberNodes) {
    return new Snapshot(
        epoch,
        history.headSeq(),
        history.after(0, history.size()),
        List.copyOf(keys.values()),
        List.copyOf(delivered.values()),
        scheduled.entrySet().stream().map(e -> new Pending(e.getKey(), e.getValue())).toList(),
        scheduledCount,
        subscriberNodes);
  }

  static TopicState restore(Snapshot s, TopicOwnerSettings settings, HistoryCounters counters) {
    TopicState state = new TopicState(settings, counters);
    state.epoch = s.epoch();
    state.scheduledCount = s.scheduledCount();
    List<TopicEvent> events = new ArrayList<>(s.history());
    state.history.continueAfter(events.isEmpty() ? s.headSeq() : events.get(0).seq() - 1);
    events.forEach(state.history::append);
    s.keys().forEach(r -> state.keys.put(r.key(), r));
    s.delivered().forEach(r -> state.delivered.put(r.key(), r));
    s.scheduled().forEach(p -> state.scheduled.put(p.scheduleId(), p.draft()));
    return state;
  }

  /** Remembers for the dedupe window, within the per-topic bound. */
  private void remember(LinkedHashMap<String, Remembered> memory, Remembered r) {
    if (settings.dedupe().maxKeys() == 0) {
      return;
    }
    memory.remove(r.key());
    memory.put(r.key(), r);
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
}

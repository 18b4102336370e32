package dev.crier.node.topic;

import java.util.ArrayList;
import java.util.List;

/**
 * A topic's recent events, indexed by sequence number. Grows by doubling up to its capacity so that
 * the many quiet topics cost little, then overwrites the oldest event.
 *
 * <p>Not thread-safe: owned by one {@link TopicOwner}.
 */
final class HistoryRing {
  private static final int INITIAL_SLOTS = 8;

  private final int capacity;
  private final HistoryCounters counters;
  private TopicEvent[] slots;
  private long headSeq;
  private int size;

  HistoryRing(int capacity, HistoryCounters counters) {
    this.capacity = capacity;
    this.counters = counters;
    this.slots = new TopicEvent[Math.min(INITIAL_SLOTS, capacity)];
  }

  /** The sequence number of the newest event ever appended (0 before the first). */
  long headSeq() {
    return headSeq;
  }

  /** The sequence number of the oldest event still kept; headSeq + 1 when none is kept. */
  long oldestSeq() {
    return headSeq - size + 1;
  }

  int size() {
    return size;
  }

  /** Makes an empty ring continue after {@code seq}, as restored from a snapshot. */
  void continueAfter(long seq) {
    if (size != 0) {
      throw new IllegalStateException("only an empty history can be moved");
    }
    headSeq = seq;
  }

  void append(TopicEvent event) {
    if (event.seq() != headSeq + 1) {
      throw new IllegalStateException(
          "history expects seq " + (headSeq + 1) + " but got " + event.seq());
    }
    if (size == slots.length && slots.length < capacity) {
      grow();
    }
    slots[slot(event.seq())] = event;
    headSeq = event.seq();
    if (size < capacity) {
      size++;
      counters.changed(1);
    }
  }

  /** Gives the kept events' count back when the owner stops (the ring is dropped with it). */
  void release() {
    counters.changed(-size);
  }

  /** Drops events published before the given time, oldest first. */
  void evictPublishedBefore(long cutoffMillis) {
    while (size > 0) {
      int oldest = slot(oldestSeq());
      if (slots[oldest].publishedAtMillis() >= cutoffMillis) {
        return;
      }
      slots[oldest] = null;
      size--;
      counters.changed(-1);
    }
  }

  /** Up to {@code limit} kept events with a sequence number greater than {@code afterSeq}. */
  List<TopicEvent> after(long afterSeq, int limit) {
    long from = Math.max(afterSeq + 1, oldestSeq());
    long to = Math.min(headSeq, from + limit - 1L);
    List<TopicEvent> out = new ArrayList<>((int) Math.max(0, to - from + 1));
    for (long seq = from; seq <= to; seq++) {
      out.add(slots[slot(seq)]);
    }
    return out;
  }

  /** The newest {@code n} kept events, oldest first. */
  List<TopicEvent> last(int n) {
    return after(headSeq - Math.min(n, size), n);
  }

  private int slot(long seq) {
    return (int) Math.floorMod(seq, (long) slots.length);
  }

  private void grow() {
    TopicEvent[] bigger = new TopicEvent[Math.min(capacity, slots.length * 2)];
    for (long seq = oldestSeq(); seq <= headSeq; seq++) {
      bigger[(int) Math.floorMod(seq, (long) bigger.length)] = slots[slot(seq)];
    }
    slots = bigger;
  }
}

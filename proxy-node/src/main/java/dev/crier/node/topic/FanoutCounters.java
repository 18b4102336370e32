package dev.crier.node.topic;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** What this node's topic hubs have done, for metrics; shared by all hubs of one node. */
public final class FanoutCounters {
  private final LongAdder slowConsumerCuts = new LongAdder();
  private final LongAdder eventsDelivered = new LongAdder();
  private final AtomicInteger topics = new AtomicInteger();

  void topics(int withLocalSubscribers) {
    topics.set(withLocalSubscribers);
  }

  /** Topics with subscribers on this node. */
  public int topics() {
    return topics.get();
  }

  void slowConsumerCut() {
    slowConsumerCuts.increment();
  }

  void delivered(int subscribers) {
    eventsDelivered.add(subscribers);
  }

  /** Subscribers disconnected because their buffer overflowed. */
  public long slowConsumerCuts() {
    return slowConsumerCuts.sum();
  }

  /** Frames handed to subscriber queues. */
  public long eventsDelivered() {
    return eventsDelivered.sum();
  }
}

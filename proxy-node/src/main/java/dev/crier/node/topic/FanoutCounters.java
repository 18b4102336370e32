package dev.crier.node.topic;

import io.prometheus.metrics.core.metrics.Histogram;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** What this node's topic hubs have done, for metrics; shared by all hubs of one node. */
public final class FanoutCounters {
  private final LongAdder slowConsumerCuts = new LongAdder();
  private final LongAdder eventsDelivered = new LongAdder();
  private final LongAdder servedByHub = new LongAdder();
  private final AtomicInteger topics = new AtomicInteger();
  private final Histogram deliveryLatency =
      Histogram.builder()
          .name("crier_delivery_latency_seconds")
          .help(
              "From an event's sequencing by its owner to this node handing it to its local"
                  + " subscribers' streams (once per event; across hosts, clocks must agree).")
          .classicOnly()
          .classicUpperBounds(
              0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
          .build();

  void handedOut(TopicEvent event, long nowMillis) {
    deliveryLatency.observe(Math.max(0, nowMillis - event.publishedAtMillis()) / 1000.0);
  }

  /** The publish → local delivery latency histogram, registered by the node's metrics. */
  public Histogram deliveryLatency() {
    return deliveryLatency;
  }

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

  void countServedByHub() {
    servedByHub.increment();
  }

  /** Subscriptions a hub brought up to date from its own latest frames, without the owner. */
  public long servedByHub() {
    return servedByHub.sum();
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

package dev.crier.node.topic;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.pekko.stream.QueueOfferResult;

/**
 * A hub's frames being handed to the subscribers there were when each was fanned out, oldest first,
 * a slice at a time: each offer wakes a connection, and a whole fan-out to many connections at once
 * would queue that many wake-ups ahead of everything else on the node (a publish's answer among
 * them). Events leave in order for every subscriber. Used by its hub's actor only.
 */
final class HandOuts {
  private record Outgoing(TopicEvent event, FeedItem.Frame frame, List<HubSubscriber> to) {}

  private record Refused(HubSubscriber subscriber, QueueOfferResult why) {}

  private final ArrayDeque<Outgoing> outgoing = new ArrayDeque<>();
  private final FanoutCounters counters;

  /** The next subscriber of the oldest outgoing frame. */
  private int nextRecipient;

  HandOuts(FanoutCounters counters) {
    this.counters = counters;
  }

  /** Queues a frame for these subscribers; true if it is the only one, so nothing is under way. */
  boolean add(TopicEvent event, FeedItem.Frame frame, List<HubSubscriber> to) {
    outgoing.add(new Outgoing(event, frame, to));
    return outgoing.size() == 1;
  }

  /**
   * Offers the oldest outgoing frames to at most {@code budget} subscribers, skipping those no
   * longer in {@code current}; a subscriber that refuses is told to {@code refused} once the slice
   * is done.
   *
   * @return whether frames are left to hand out
   */
  boolean handOut(
      int budget,
      Map<Long, HubSubscriber> current,
      BiConsumer<HubSubscriber, QueueOfferResult> refused) {
    while (budget > 0 && !outgoing.isEmpty()) {
      Outgoing o = outgoing.peek();
      List<Refused> refusals = null;
      while (budget > 0 && nextRecipient < o.to().size()) {
        HubSubscriber s = o.to().get(nextRecipient++);
        budget--;
        if (current.get(s.id) != s) {
          continue;
        }
        QueueOfferResult result = s.deliver(o.frame());
        if (result != QueueOfferResult.enqueued()) {
          refusals = refusals == null ? new ArrayList<>() : refusals;
          refusals.add(new Refused(s, result));
        }
      }
      if (refusals != null) {
        refusals.forEach(r -> refused.accept(r.subscriber(), r.why()));
      }
      if (nextRecipient == o.to().size()) {
        outgoing.poll();
        nextRecipient = 0;
        counters.handedOut(o.event(), System.currentTimeMillis());
      }
    }
    return !outgoing.isEmpty();
  }
}

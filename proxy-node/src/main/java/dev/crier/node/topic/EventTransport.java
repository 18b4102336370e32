package dev.crier.node.topic;

import java.util.Collection;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Carries sequenced events from a topic's owner to the nodes whose subscribers want them.
 *
 * <p>Guarantees: events of one topic handed over in order arrive at each node in that order, at
 * most once, while the route to that node stays the same. When it changes (the bridge's link to a
 * node comes up, and events go over it instead of Artery), events in flight on the two routes may
 * arrive out of order; the receiving hub repairs that (it ignores what it has seen and reads what
 * it missed). Nothing is retried here: a node that misses events recovers them from the owner's
 * history (its subscribers resume with their cursor). {@code EventTransportContract} (tests) checks
 * every implementation against this.
 */
public interface EventTransport {

  /** Hands one event to the hub directory of each given node; never blocks. */
  void deliver(TopicEvent event, Collection<ActorRef<TopicHubs.Command>> nodes);
}

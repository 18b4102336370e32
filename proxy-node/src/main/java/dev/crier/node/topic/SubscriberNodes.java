package dev.crier.node.topic;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * The nodes whose hubs a {@link TopicOwner} sends its events to, each watched so that a node that
 * goes away is dropped, and the transport that takes the events there. Used by its owner's actor
 * only.
 */
final class SubscriberNodes {
  private final ActorContext<TopicOwner.Command> context;
  private final Function<ActorRef<TopicHubs.Command>, TopicOwner.Command> gone;
  private final EventTransport transport;
  private final Set<ActorRef<TopicHubs.Command>> nodes = new HashSet<>();

  /**
   * @param gone the message the owner gets when a node's hub directory stops
   */
  SubscriberNodes(
      ActorContext<TopicOwner.Command> context,
      Function<ActorRef<TopicHubs.Command>, TopicOwner.Command> gone,
      EventTransport transport) {
    this.context = context;
    this.gone = gone;
    this.transport = transport;
  }

  void add(ActorRef<TopicHubs.Command> node) {
    if (nodes.add(node)) {
      context.watchWith(node, gone.apply(node));
    }
  }

  void remove(ActorRef<TopicHubs.Command> node) {
    if (nodes.remove(node)) {
      context.unwatch(node);
    }
  }

  boolean isEmpty() {
    return nodes.isEmpty();
  }

  /** Hands a sequenced event to every node's hub directory. */
  void deliver(TopicEvent event) {
    transport.deliver(event, nodes);
  }

  /** The nodes as they are now, for a hand-off snapshot. */
  List<ActorRef<TopicHubs.Command>> copy() {
    return List.copyOf(nodes);
  }
}

package dev.crier.node.topic;

import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * The nodes whose hubs a {@link TopicOwner} sends its events to, each watched so that a node that
 * goes away is dropped. Used by its owner's actor only.
 */
final class SubscriberNodes {
  private final ActorContext<TopicOwner.Command> context;
  private final Function<ActorRef<TopicHubs.Command>, TopicOwner.Command> gone;
  private final Set<ActorRef<TopicHubs.Command>> nodes = new HashSet<>();
  private final Set<ActorRef<TopicHubs.Command>> view = Collections.unmodifiableSet(nodes);

  /**
   * @param gone the message the owner gets when a node's hub directory stops
   */
  SubscriberNodes(
      ActorContext<TopicOwner.Command> context,
      Function<ActorRef<TopicHubs.Command>, TopicOwner.Command> gone) {
    this.context = context;
    this.gone = gone;
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

  /** The nodes as they are now and as they change. */
  Set<ActorRef<TopicHubs.Command>> all() {
    return view;
  }

  /** The nodes as they are now, for a hand-off snapshot. */
  List<ActorRef<TopicHubs.Command>> copy() {
    return List.copyOf(nodes);
  }
}

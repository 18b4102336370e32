package dev.crier.node.topic;

import java.util.Collection;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Sends each event as an actor message to each node's hub directory: in-process on the owner's own
 * node, over Pekko's Artery to the others. Artery keeps the order between one sender and one
 * receiver.
 */
public final class DirectEventTransport implements EventTransport {

  @Override
  public void deliver(TopicEvent event, Collection<ActorRef<TopicHubs.Command>> nodes) {
    if (nodes.isEmpty()) {
      return;
    }
    TopicHubs.Deliver message = new TopicHubs.Deliver(event);
    for (ActorRef<TopicHubs.Command> node : nodes) {
      node.tell(message);
    }
  }
}

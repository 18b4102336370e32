package dev.crier.node.topic;

import org.apache.pekko.actor.typed.ActorRef;

/** Delivers every event to this node's own hubs: the transport of a single node. */
public record LocalEventTransport(ActorRef<TopicHubs.Command> hubs) implements EventTransport {

  @Override
  public void deliver(TopicEvent event) {
    hubs.tell(new TopicHubs.Deliver(event));
  }
}

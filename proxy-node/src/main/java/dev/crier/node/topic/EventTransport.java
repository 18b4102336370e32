package dev.crier.node.topic;

/**
 * Carries sequenced events from a topic's owner to the nodes whose subscribers want them.
 *
 * <p>Guarantees: events of one topic handed over in order arrive in that order, at most once.
 * Nothing is retried here: a receiver that sees a gap in a topic's sequence numbers recovers the
 * missing events from the owner's history.
 */
public interface EventTransport {

  /** Hands one event on; never blocks. */
  void deliver(TopicEvent event);
}

package dev.crier.node.topic;

import org.apache.pekko.actor.typed.ActorRef;

/** How a {@link TopicOwner} that sharding moves reaches its next incarnation. */
public interface OwnerMoves {
  /** No other node: an owner that stops has no successor to hand off to. */
  OwnerMoves NONE =
      new OwnerMoves() {
        @Override
        public boolean successorUp() {
          return false;
        }

        @Override
        public void wake(String topic) {}

        @Override
        public void passivate(ActorRef<TopicOwner.Command> owner) {}
      };

  /** True when another node is up to run the owner next. */
  boolean successorUp();

  /** Sends a {@link TopicOwner.Wake} to the topic's owner wherever it runs next. */
  void wake(String topic);

  /** Asks sharding to stop an idle owner (without losing messages sent to it meanwhile). */
  void passivate(ActorRef<TopicOwner.Command> owner);
}

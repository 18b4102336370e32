package dev.crier.node.topic;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Finds the {@link TopicOwner} of any topic, starting it when needed: one owner per topic in the
 * whole cluster, a Cluster Sharding entity ({@code cluster/ShardedTopicOwners}), a node on its own
 * being a cluster of one.
 */
public interface TopicOwners {

  void tell(String topic, TopicOwner.Command command);

  /**
   * Sends the command built around a reply ref and completes with the reply, or fails on timeout.
   */
  <R> CompletionStage<R> ask(
      String topic, Function<ActorRef<R>, TopicOwner.Command> command, Duration timeout);
}

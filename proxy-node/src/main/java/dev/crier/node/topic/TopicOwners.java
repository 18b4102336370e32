package dev.crier.node.topic;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Finds the {@link TopicOwner} of any topic, starting it when needed: one owner per topic in the
 * whole cluster, a Cluster Sharding entity ({@code cluster/ShardedTopicOwners}), a node on its own
 * being a cluster of one.
 *
 * <p>Guarantees:
 *
 * <ul>
 *   <li><b>Order per topic:</b> commands sent from one caller to one topic reach its owner in the
 *       order sent (sharding buffers them, in order, while the owner starts or moves; beyond its
 *       buffer it drops them, and their asks time out).
 *   <li><b>Asks end:</b> an ask completes with the owner's reply or fails with a timeout after
 *       {@code timeout}; a timeout says nothing about whether the owner acted (a publish may have
 *       been stored: retry it with the same idempotency key).
 *   <li><b>What a move loses:</b> with the journal, nothing acknowledged (a new incarnation
 *       recovers it). In memory mode, a drained or rebalanced owner hands its state to its next
 *       incarnation; a crash loses the topic's history and starts a new epoch (subscribers get
 *       {@code crier.reset}). Commands in flight to an owner that stops may be lost: their asks
 *       time out.
 * </ul>
 */
public interface TopicOwners {

  void tell(String topic, TopicOwner.Command command);

  /**
   * Sends the command built around a reply ref and completes with the reply, or fails on timeout.
   */
  <R> CompletionStage<R> ask(
      String topic, Function<ActorRef<R>, TopicOwner.Command> command, Duration timeout);
}

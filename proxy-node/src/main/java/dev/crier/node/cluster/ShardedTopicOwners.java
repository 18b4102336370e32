package dev.crier.node.cluster;

import dev.crier.node.topic.EventTransport;
import dev.crier.node.topic.HistoryCounters;
import dev.crier.node.topic.OwnerMoves;
import dev.crier.node.topic.TopicOwner;
import dev.crier.node.topic.TopicOwnerSettings;
import dev.crier.node.topic.TopicOwners;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * Topic owners as Cluster Sharding entities: one per topic in the whole cluster, on whichever node
 * sharding places it, moved by sharding when nodes leave. The entity id is the topic name.
 */
public final class ShardedTopicOwners implements TopicOwners {
  public static final EntityTypeKey<TopicOwner.Command> TYPE_KEY =
      EntityTypeKey.create(TopicOwner.Command.class, "topic-owner");

  private final ClusterSharding sharding;

  private ShardedTopicOwners(ClusterSharding sharding) {
    this.sharding = sharding;
  }

  /** Starts this node's part of the sharded owners. */
  public static ShardedTopicOwners init(
      ActorSystem<?> system,
      TopicOwnerSettings settings,
      EventTransport transport,
      RegistryView registry,
      HistoryCounters historyCounters,
      Clock clock) {
    ClusterSharding sharding = ClusterSharding.get(system);
    sharding.init(
        Entity.of(
                TYPE_KEY,
                entity ->
                    TopicOwner.create(
                        entity.getEntityId(),
                        settings,
                        transport,
                        registry::nodesFor,
                        historyCounters,
                        clock,
                        new OwnerMoves() {
                          @Override
                          public boolean successorUp() {
                            return othersUp(system);
                          }

                          @Override
                          public void wake(String topic) {
                            sharding.entityRefFor(TYPE_KEY, topic).tell(new TopicOwner.Wake());
                          }

                          @Override
                          public void passivate(ActorRef<TopicOwner.Command> owner) {
                            entity.getShard().tell(new ClusterSharding.Passivate<>(owner));
                          }
                        }))
            .withStopMessage(new TopicOwner.HandOff()));
    return new ShardedTopicOwners(sharding);
  }

  /**
   * True when another member is up to run a moved owner: only then is a hand-off woken (and waited
   * for) — a lone node that stops has no successor, and a wake would hold its shutdown.
   */
  public static boolean othersUp(ActorSystem<?> system) {
    Cluster cluster = Cluster.get(system);
    for (Member m : cluster.state().getMembers()) {
      if (m.status() == MemberStatus.up() && !m.address().equals(cluster.selfAddress())) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void tell(String topic, TopicOwner.Command command) {
    sharding.entityRefFor(TYPE_KEY, topic).tell(command);
  }

  @Override
  public <R> CompletionStage<R> ask(
      String topic, Function<ActorRef<R>, TopicOwner.Command> command, Duration timeout) {
    return sharding.entityRefFor(TYPE_KEY, topic).ask(command::apply, timeout);
  }
}

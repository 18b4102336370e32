package dev.crier.node.cluster;

import dev.crier.node.topic.TopicHubs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.ORMultiMap;
import org.apache.pekko.cluster.ddata.ORMultiMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * This node's part of the cluster-wide subscriber registry, kept in Distributed Data: topic → the
 * hub directories of the nodes with subscribers for it, split over a fixed set of {@link
 * ORMultiMap} keys by topic hash. It writes this node's own registrations, mirrors every change
 * into the {@link RegistryView}, and when a node is removed from the cluster the leader deletes
 * that node's registrations.
 */
public final class SubscriberRegistry extends AbstractBehavior<SubscriberRegistry.Command> {

  /** What the registry understands. */
  public sealed interface Command {}

  /** This node now has subscribers for the topic. */
  public record Register(String topic, ActorRef<TopicHubs.Command> node) implements Command {}

  /** This node has had no subscribers for the topic for a while. */
  public record Unregister(String topic, ActorRef<TopicHubs.Command> node) implements Command {}

  private record Changed(
      Replicator.SubscribeResponse<ORMultiMap<String, ActorRef<TopicHubs.Command>>> response)
      implements Command {}

  private record Updated(
      Replicator.UpdateResponse<ORMultiMap<String, ActorRef<TopicHubs.Command>>> response)
      implements Command {}

  private record MemberRemoved(ClusterEvent.MemberRemoved event) implements Command {}

  /** The registry as the hub directory announces interest to it. */
  public static TopicHubs.Interest interest(ActorRef<Command> registry) {
    return new TopicHubs.Interest() {
      @Override
      public void register(String topic, ActorRef<TopicHubs.Command> node) {
        registry.tell(new Register(topic, node));
      }

      @Override
      public void unregister(String topic, ActorRef<TopicHubs.Command> node) {
        registry.tell(new Unregister(topic, node));
      }
    };
  }

  public static Behavior<Command> create(RegistryView view) {
    return Behaviors.setup(
        context ->
            DistributedData
                .<Command, ORMultiMap<String, ActorRef<TopicHubs.Command>>>
                    withReplicatorMessageAdapter(
                        replicator -> new SubscriberRegistry(context, replicator, view)));
  }

  private final ReplicatorMessageAdapter<Command, ORMultiMap<String, ActorRef<TopicHubs.Command>>>
      replicator;
  private final RegistryView view;
  private final SelfUniqueAddress self;
  private final List<Key<ORMultiMap<String, ActorRef<TopicHubs.Command>>>> keys = new ArrayList<>();

  private SubscriberRegistry(
      ActorContext<Command> context,
      ReplicatorMessageAdapter<Command, ORMultiMap<String, ActorRef<TopicHubs.Command>>> replicator,
      RegistryView view) {
    super(context);
    this.replicator = replicator;
    this.view = view;
    this.self = DistributedData.get(context.getSystem()).selfUniqueAddress();
    for (int i = 0; i < view.buckets(); i++) {
      Key<ORMultiMap<String, ActorRef<TopicHubs.Command>>> key =
          ORMultiMapKey.create("crier-subscribers-" + i);
      keys.add(key);
      replicator.subscribe(key, Changed::new);
    }
    Cluster.get(context.getSystem())
        .subscriptions()
        .tell(
            Subscribe.create(
                context.messageAdapter(ClusterEvent.MemberRemoved.class, MemberRemoved::new),
                ClusterEvent.MemberRemoved.class));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(
            Register.class, r -> update(r.topic(), m -> m.addBinding(self, r.topic(), r.node())))
        .onMessage(
            Unregister.class,
            u -> update(u.topic(), m -> m.removeBinding(self, u.topic(), u.node())))
        .onMessage(Changed.class, this::onChanged)
        .onMessage(Updated.class, updated -> this)
        .onMessage(MemberRemoved.class, this::onMemberRemoved)
        .build();
  }

  private Behavior<Command> update(
      String topic,
      java.util.function.Function<
              ORMultiMap<String, ActorRef<TopicHubs.Command>>,
              ORMultiMap<String, ActorRef<TopicHubs.Command>>>
          modify) {
    Key<ORMultiMap<String, ActorRef<TopicHubs.Command>>> key = keys.get(view.bucketOf(topic));
    replicator.askUpdate(
        replyTo ->
            new Replicator.Update<>(
                key, ORMultiMap.create(), Replicator.writeLocal(), replyTo, modify::apply),
        Updated::new);
    return this;
  }

  private Behavior<Command> onChanged(Changed changed) {
    if (changed.response()
        instanceof Replicator.Changed<ORMultiMap<String, ActorRef<TopicHubs.Command>>> c) {
      view.replace(keys.indexOf(c.key()), c.dataValue().getEntries());
    }
    return this;
  }

  /** Only the leader cleans up, so that the removed node's entries are deleted once. */
  private Behavior<Command> onMemberRemoved(MemberRemoved removed) {
    Cluster cluster = Cluster.get(getContext().getSystem());
    Address gone = removed.event().member().address();
    if (!cluster.selfMember().address().equals(cluster.state().getLeader())) {
      return this;
    }
    for (Map.Entry<String, Set<ActorRef<TopicHubs.Command>>> entry : view.all().entrySet()) {
      for (ActorRef<TopicHubs.Command> node : entry.getValue()) {
        if (gone.equals(node.path().address())) {
          String topic = entry.getKey();
          update(topic, m -> m.removeBinding(self, topic, node));
        }
      }
    }
    getContext().getLog().info("removed subscriber registrations of [{}]", gone);
    return this;
  }
}

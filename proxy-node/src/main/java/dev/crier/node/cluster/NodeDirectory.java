package dev.crier.node.cluster;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Publishes this node's {@link NodeInfo} to Distributed Data every few seconds and keeps a local
 * copy of every node's, for the management routes. The leader deletes a removed node's entry.
 */
public final class NodeDirectory extends AbstractBehavior<NodeDirectory.Command> {

  /** What the directory understands (all internal). */
  public sealed interface Command {}

  private enum Publish implements Command {
    INSTANCE
  }

  private record Changed(Replicator.SubscribeResponse<LWWMap<String, NodeInfo>> response)
      implements Command {}

  private record Updated(Replicator.UpdateResponse<LWWMap<String, NodeInfo>> response)
      implements Command {}

  private record MemberRemoved(ClusterEvent.MemberRemoved event) implements Command {}

  private static final Key<LWWMap<String, NodeInfo>> KEY = LWWMapKey.create("crier-nodes");

  /**
   * @param self what to publish about this node, asked anew each time
   * @param view where every node's latest info is kept for readers
   * @param onChange told every node's latest info whenever it changes
   */
  public static Behavior<Command> create(
      Supplier<NodeInfo> self,
      Duration interval,
      AtomicReference<Map<String, NodeInfo>> view,
      Consumer<Map<String, NodeInfo>> onChange) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers ->
                    DistributedData.<Command, LWWMap<String, NodeInfo>>withReplicatorMessageAdapter(
                        replicator ->
                            new NodeDirectory(
                                context, timers, replicator, self, interval, view, onChange))));
  }

  private final ReplicatorMessageAdapter<Command, LWWMap<String, NodeInfo>> replicator;
  private final Supplier<NodeInfo> self;
  private final AtomicReference<Map<String, NodeInfo>> view;
  private final Consumer<Map<String, NodeInfo>> onChange;
  private final SelfUniqueAddress selfAddress;

  private NodeDirectory(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      ReplicatorMessageAdapter<Command, LWWMap<String, NodeInfo>> replicator,
      Supplier<NodeInfo> self,
      Duration interval,
      AtomicReference<Map<String, NodeInfo>> view,
      Consumer<Map<String, NodeInfo>> onChange) {
    super(context);
    this.replicator = replicator;
    this.self = self;
    this.view = view;
    this.onChange = onChange;
    this.selfAddress = DistributedData.get(context.getSystem()).selfUniqueAddress();
    replicator.subscribe(KEY, Changed::new);
    Cluster.get(context.getSystem())
        .subscriptions()
        .tell(
            Subscribe.create(
                context.messageAdapter(ClusterEvent.MemberRemoved.class, MemberRemoved::new),
                ClusterEvent.MemberRemoved.class));
    timers.startTimerAtFixedRate(Publish.INSTANCE, Duration.ZERO, interval);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessageEquals(Publish.INSTANCE, this::onPublish)
        .onMessage(Changed.class, this::onChanged)
        .onMessage(Updated.class, updated -> this)
        .onMessage(MemberRemoved.class, this::onMemberRemoved)
        .build();
  }

  private Behavior<Command> onPublish() {
    NodeInfo info = self.get();
    replicator.askUpdate(
        replyTo ->
            new Replicator.Update<>(
                KEY,
                LWWMap.create(),
                Replicator.writeLocal(),
                replyTo,
                map -> map.put(selfAddress, info.address(), info)),
        Updated::new);
    return this;
  }

  private Behavior<Command> onChanged(Changed changed) {
    if (changed.response() instanceof Replicator.Changed<LWWMap<String, NodeInfo>> c) {
      Map<String, NodeInfo> nodes = Map.copyOf(c.dataValue().getEntries());
      view.set(nodes);
      onChange.accept(nodes);
    }
    return this;
  }

  private Behavior<Command> onMemberRemoved(MemberRemoved removed) {
    Cluster cluster = Cluster.get(getContext().getSystem());
    if (cluster.selfMember().address().equals(cluster.state().getLeader())) {
      String gone = removed.event().member().address().toString();
      replicator.askUpdate(
          replyTo ->
              new Replicator.Update<>(
                  KEY,
                  LWWMap.create(),
                  Replicator.writeLocal(),
                  replyTo,
                  map -> map.remove(selfAddress, gone)),
          Updated::new);
    }
    return this;
  }
}

package dev.crier.node;

import com.typesafe.config.Config;
import dev.crier.node.bridge.BridgeCounters;
import dev.crier.node.bridge.BridgeTransport;
import dev.crier.node.cluster.ClusterSettings;
import dev.crier.node.cluster.RegistryView;
import dev.crier.node.cluster.ShardedTopicOwners;
import dev.crier.node.cluster.SubscriberRegistry;
import dev.crier.node.topic.FanoutCounters;
import dev.crier.node.topic.HistoryCounters;
import dev.crier.node.topic.HistoryStoreSettings;
import dev.crier.node.topic.JournalSchema;
import dev.crier.node.topic.OwnerHandOffs;
import dev.crier.node.topic.TopicHubSettings;
import dev.crier.node.topic.TopicHubs;
import dev.crier.node.topic.TopicOwnerSettings;
import dev.crier.node.topic.TopicOwners;
import java.time.Clock;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * The path of an event through the cluster, wired: the sharded topic owners (with their journal and
 * hand-offs), this node's topic hubs, the registry of which nodes have subscribers for a topic, and
 * the transport owners send events to hubs over (the bridge's, or Pekko's when no link is up).
 *
 * @param transport what owners send events with; the bridge adds its links to it
 * @param registryView this node's replica of the subscriber registry, for management reads
 */
record EventPath(
    TopicOwners owners,
    ActorRef<TopicHubs.Command> hubs,
    BridgeTransport transport,
    RegistryView registryView,
    ClusterSettings cluster,
    FanoutCounters fanout,
    HistoryCounters history,
    BridgeCounters bridge) {

  static EventPath start(ActorContext<Void> context, Config config, NodeSettings node) {
    ClusterSettings cluster = ClusterSettings.create(config);
    RegistryView registryView = new RegistryView(cluster.registryBuckets());
    FanoutCounters fanout = new FanoutCounters();
    HistoryCounters history = new HistoryCounters();
    BridgeCounters bridge = new BridgeCounters();
    BridgeTransport transport = new BridgeTransport(bridge);
    ActorRef<SubscriberRegistry.Command> registry =
        context.spawn(SubscriberRegistry.create(registryView), "subscriber-registry");
    TopicOwnerSettings ownerSettings = TopicOwnerSettings.create(config);
    prepareStore(ownerSettings.store(), node);
    ActorRef<OwnerHandOffs.Command> handOffs =
        context.spawn(
            OwnerHandOffs.create(ownerSettings.store().handOffKept()), OwnerHandOffs.NAME);
    NodeShutdown.awaitHandOffs(context.getSystem(), handOffs, node.drainAskTimeout());
    TopicOwners owners =
        ShardedTopicOwners.init(
            context.getSystem(),
            ownerSettings,
            transport,
            registryView,
            history,
            Clock.systemUTC());
    ActorRef<TopicHubs.Command> hubs =
        context.spawn(
            TopicHubs.create(
                TopicHubSettings.create(config),
                owners,
                fanout,
                SubscriberRegistry.interest(registry),
                cluster.registryLinger()),
            "hubs");
    return new EventPath(owners, hubs, transport, registryView, cluster, fanout, history, bridge);
  }

  /** Refuses a journal that cluster members cannot share, and creates its tables. */
  private static void prepareStore(HistoryStoreSettings store, NodeSettings node) {
    if (!store.durable()) {
      return;
    }
    if (store.embedded() && !node.seedNodes().isEmpty()) {
      throw new IllegalArgumentException(
          "the embedded history journal (crier.history.journal.url empty or jdbc:h2:) belongs to one"
              + " node, but seed nodes are configured: give the cluster a shared journal"
              + " (CRIER_JOURNAL_URL=jdbc:postgresql://…) or keep history in memory"
              + " (CRIER_HISTORY_STORE=memory)");
    }
    JournalSchema.apply(store);
  }
}

package dev.crier.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.crier.node.auth.AuthCounters;
import dev.crier.node.auth.AuthSettings;
import dev.crier.node.auth.Authenticator;
import dev.crier.node.auth.Revocations;
import dev.crier.node.auth.RevokedTokens;
import dev.crier.node.auth.TokenAdmin;
import dev.crier.node.auth.TokenMinter;
import dev.crier.node.bridge.Bridge;
import dev.crier.node.bridge.BridgeCounters;
import dev.crier.node.bridge.BridgeSettings;
import dev.crier.node.bridge.BridgeTransport;
import dev.crier.node.cluster.ClusterMembership;
import dev.crier.node.cluster.ClusterSettings;
import dev.crier.node.cluster.NodeDirectory;
import dev.crier.node.cluster.NodeInfo;
import dev.crier.node.cluster.RegistryView;
import dev.crier.node.cluster.ShardedTopicOwners;
import dev.crier.node.cluster.SubscriberRegistry;
import dev.crier.node.http.Access;
import dev.crier.node.http.HttpServer;
import dev.crier.node.http.ResponseCounters;
import dev.crier.node.limits.LimitSettings;
import dev.crier.node.limits.Limits;
import dev.crier.node.management.ClusterViews;
import dev.crier.node.management.NodeLifecycle;
import dev.crier.node.management.NodeMetrics;
import dev.crier.node.publish.PublishRoutes;
import dev.crier.node.publish.PublishSettings;
import dev.crier.node.publish.Publisher;
import dev.crier.node.subscribe.Connections;
import dev.crier.node.subscribe.SubscribeRoutes;
import dev.crier.node.subscribe.SubscribeSettings;
import dev.crier.node.topic.FanoutCounters;
import dev.crier.node.topic.HistoryCounters;
import dev.crier.node.topic.HistorySettings;
import dev.crier.node.topic.HistoryStoreSettings;
import dev.crier.node.topic.JournalSchema;
import dev.crier.node.topic.OwnerHandOffs;
import dev.crier.node.topic.TopicHubSettings;
import dev.crier.node.topic.TopicHubs;
import dev.crier.node.topic.TopicOwnerSettings;
import dev.crier.node.topic.TopicOwners;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.management.javadsl.PekkoManagement;

/**
 * Wires one node: topic owners and hubs, the public HTTP routes, Pekko Management, and the shutdown
 * sequence. Prints the start-up lines of API.md that scripts and tests wait for.
 */
public final class Guardian {
  private Guardian() {}

  /**
   * @param announce receives each start-up line ("crier: …"); stdout for a real node
   * @param refuse receives the one line that says why the configuration cannot run (the node then
   *     stops without starting); stderr and a non-zero exit status for a real node
   */
  public static Behavior<Void> create(
      Config config, Consumer<String> announce, Consumer<String> refuse) {
    return Behaviors.setup(
        context -> {
          try {
            start(context, config, announce);
          } catch (IllegalArgumentException | ConfigException misconfigured) {
            // Said once, without a stack trace: the fix is in the configuration, not the code.
            refuse.accept("crier: configuration error: " + misconfigured.getMessage());
            context.getSystem().terminate();
          }
          return Behaviors.empty();
        });
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

  private static void start(ActorContext<Void> context, Config config, Consumer<String> announce) {
    ActorSystem<Void> system = context.getSystem();
    NodeSettings node = NodeSettings.create(config);
    StartupLines lines = new StartupLines(announce);
    NodeLifecycle lifecycle = NodeLifecycle.get(system);
    HistorySettings history = HistorySettings.create(config);
    SubscribeSettings subscribe = SubscribeSettings.create(config);
    if (subscribe.bufferSize() < subscribe.configuredBufferSize()) {
      context
          .getLog()
          .warn(
              "crier.subscribe.buffer-size {} lowered to {}, half of crier.history.max-events, so"
                  + " that a subscriber cut off for lagging can resume without loss",
              subscribe.configuredBufferSize(),
              subscribe.bufferSize());
    }
    PublishSettings publish = PublishSettings.create(config);
    AuthSettings auth = AuthSettings.create(config);
    HttpServer.Settings httpSettings = HttpServer.Settings.create(config);

    ClusterSettings cluster = ClusterSettings.create(config);
    RegistryView registryView = new RegistryView(cluster.registryBuckets());
    FanoutCounters counters = new FanoutCounters();
    HistoryCounters historyCounters = new HistoryCounters();
    BridgeCounters bridgeCounters = new BridgeCounters();
    BridgeTransport transport = new BridgeTransport(bridgeCounters);
    ActorRef<SubscriberRegistry.Command> registry =
        context.spawn(SubscriberRegistry.create(registryView), "subscriber-registry");
    TopicOwnerSettings ownerSettings = TopicOwnerSettings.create(config);
    prepareStore(ownerSettings.store(), node);
    ActorRef<OwnerHandOffs.Command> handOffs =
        context.spawn(
            OwnerHandOffs.create(ownerSettings.store().handOffKept()), OwnerHandOffs.NAME);
    NodeShutdown.awaitHandOffs(system, handOffs, node.drainAskTimeout());
    TopicOwners owners =
        ShardedTopicOwners.init(
            system, ownerSettings, transport, registryView, historyCounters, Clock.systemUTC());
    ActorRef<TopicHubs.Command> hubs =
        context.spawn(
            TopicHubs.create(
                TopicHubSettings.create(config),
                owners,
                counters,
                SubscriberRegistry.interest(registry),
                cluster.registryLinger()),
            "hubs");
    CompletableFuture<Done> joined = ClusterMembership.join(system, config);

    ResponseCounters responses = new ResponseCounters();
    AuthCounters authCounters = new AuthCounters();
    RevokedTokens revoked = new RevokedTokens();
    ActorRef<Revocations.Command> revocations =
        context.spawn(
            Revocations.create(
                revoked,
                auth.revocationWriteTimeout(),
                auth.revocationPruneInterval(),
                auth.leeway(),
                Clock.systemUTC()),
            "revocations");
    Access access =
        new Access(
            Authenticator.create(auth, system, revoked, authCounters),
            auth.adminSecret(),
            responses);
    Limits limits = new Limits(LimitSettings.create(config));
    Publisher publisher = new Publisher(publish, limits, owners, Clock.systemUTC());
    Connections connections =
        new Connections(
            subscribe,
            publish.timeout(),
            hubs,
            lifecycle,
            limits,
            system.classicSystem().scheduler(),
            system.executionContext());
    revoked.onRevoked(connections::endStreamsOf);
    SubscribeRoutes subscribeRoutes =
        new SubscribeRoutes(subscribe, history.maxEvents(), access, connections);
    PublishRoutes publishRoutes =
        new PublishRoutes(
            publish, history.maxEvents(), access, owners, publisher, Clock.systemUTC());

    CompletableFuture<ServerBinding> http =
        new HttpServer()
            .bind(
                system,
                httpSettings,
                subscribeRoutes.route().orElse(publishRoutes.route()),
                responses)
            .toCompletableFuture();
    ClusterViews views = ClusterViews.get(system);
    views.registry(registryView);
    String selfAddress = Cluster.get(system).selfMember().address().toString();
    String nodeId = node.nodeIdAt(Cluster.get(system).selfMember().address());
    views.bridge(bridgeCounters);
    views.metrics(
        new NodeMetrics(
            system,
            connections,
            counters,
            bridgeCounters,
            responses,
            limits,
            authCounters,
            revoked,
            historyCounters));
    views.admin(access);
    views.tokens(
        new TokenAdmin(
            auth.signing() == null ? null : new TokenMinter(auth.signing()),
            auth,
            revocations,
            system.scheduler(),
            Clock.systemUTC()));
    CompletableFuture<InetSocketAddress> bridge = new CompletableFuture<>();
    BridgeSettings bridgeSettings = BridgeSettings.create(config);
    ActorRef<Bridge.Command> bridgeLinks =
        context.spawn(
            Bridge.create(
                bridgeSettings, nodeId, transport, bridgeCounters, hubs, publisher, bridge),
            "bridge");
    context.spawn(
        NodeDirectory.create(
            () ->
                new NodeInfo(
                    nodeId,
                    selfAddress,
                    bridge.isDone() && !bridge.isCompletedExceptionally()
                        ? endpoint(bridge.join())
                        : "",
                    connections.open(),
                    counters.topics()),
            cluster.nodeInfoInterval(),
            views.nodes(),
            nodes -> bridgeLinks.tell(new Bridge.DirectoryChanged(nodes))),
        "node-directory");
    CompletableFuture<Uri> management = PekkoManagement.get(system).start().toCompletableFuture();
    http.thenCombine(
            management,
            (binding, uri) -> {
              lines.listening("http", httpSettings.iface(), binding.localAddress().getPort());
              lines.listening("management", node.managementInterface(), uri.port());
              return binding;
            })
        .thenCombine(
            bridge,
            (binding, listening) -> {
              lines.listening("bridge", bridgeSettings.bindHost(), listening.getPort());
              return binding;
            })
        .thenCombine(joined, (binding, up) -> binding)
        .whenComplete(
            (binding, failure) -> {
              if (failure != null) {
                system.log().error("crier could not start: {}", failure.getMessage());
                system.terminate();
                return;
              }
              NodeShutdown.drainThenUnbind(
                  system,
                  lifecycle,
                  hubs,
                  connections,
                  binding,
                  subscribe.drainLinger(),
                  node.drainAskTimeout());
              if (auth.devMode()) {
                lines.devTokens(auth);
              }
              lifecycle.serve();
              lines.ready();
            });
  }

  private static String endpoint(InetSocketAddress address) {
    return address.getHostString() + ":" + address.getPort();
  }
}

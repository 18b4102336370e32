package dev.crier.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.crier.node.bridge.Bridge;
import dev.crier.node.bridge.BridgeSettings;
import dev.crier.node.cluster.ClusterMembership;
import dev.crier.node.cluster.NodeDirectory;
import dev.crier.node.cluster.NodeInfo;
import dev.crier.node.http.HttpServer;
import dev.crier.node.management.ClusterViews;
import dev.crier.node.management.NodeLifecycle;
import dev.crier.node.management.NodeMetrics;
import java.net.InetSocketAddress;
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

  private static void start(ActorContext<Void> context, Config config, Consumer<String> announce) {
    ActorSystem<Void> system = context.getSystem();
    NodeSettings node = NodeSettings.create(config);
    StartupLines lines = new StartupLines(announce);
    NodeLifecycle lifecycle = NodeLifecycle.get(system);
    EventPath events = EventPath.start(context, config, node);
    CompletableFuture<Done> joined = ClusterMembership.join(system, config);
    Edge edge = Edge.start(context, config, events, lifecycle);
    HttpServer.Settings httpSettings = HttpServer.Settings.create(config);
    CompletableFuture<ServerBinding> http =
        new HttpServer()
            .bind(system, httpSettings, edge.routes(), edge.responses())
            .toCompletableFuture();

    ClusterViews views = ClusterViews.get(system);
    views.registry(events.registryView());
    String selfAddress = Cluster.get(system).selfMember().address().toString();
    String nodeId = node.nodeIdAt(Cluster.get(system).selfMember().address());
    views.bridge(events.bridge());
    views.metrics(
        new NodeMetrics(
            system,
            edge.connections(),
            events.fanout(),
            events.bridge(),
            edge.responses(),
            edge.limits(),
            edge.authCounters(),
            edge.revoked(),
            events.history()));
    views.admin(edge.access());
    views.tokens(edge.tokens());
    CompletableFuture<InetSocketAddress> bridge = new CompletableFuture<>();
    BridgeSettings bridgeSettings = BridgeSettings.create(config);
    ActorRef<Bridge.Command> bridgeLinks =
        context.spawn(
            Bridge.create(
                bridgeSettings,
                nodeId,
                events.transport(),
                events.bridge(),
                events.hubs(),
                edge.publisher(),
                bridge),
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
                    edge.connections().open(),
                    events.fanout().topics()),
            events.cluster().nodeInfoInterval(),
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
                  events.hubs(),
                  edge.connections(),
                  binding,
                  edge.subscribe().drainLinger(),
                  node.drainAskTimeout());
              if (edge.auth().devMode()) {
                lines.devTokens(edge.auth());
              }
              lifecycle.serve();
              lines.ready();
            });
  }

  private static String endpoint(InetSocketAddress address) {
    return address.getHostString() + ":" + address.getPort();
  }
}

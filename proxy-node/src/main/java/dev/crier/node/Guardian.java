package dev.crier.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.crier.node.cluster.ClusterMembership;
import dev.crier.node.http.HttpServer;
import dev.crier.node.management.CrierManagementRoutes;
import dev.crier.node.management.NodeLifecycle;
import dev.crier.node.management.NodeMetrics;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.ServerBinding;

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
    NodeMesh mesh = NodeMesh.start(context, config, node, events, edge);
    HttpServer.Settings httpSettings = HttpServer.Settings.create(config);
    CompletableFuture<ServerBinding> http =
        new HttpServer()
            .bind(system, httpSettings, edge.routes(), edge.responses())
            .toCompletableFuture();
    CompletableFuture<ServerBinding> management =
        new CrierManagementRoutes(
                system,
                edge.access(),
                edge.tokens(),
                metrics(system, edge, events),
                events.registryView(),
                mesh.nodeInfos()::get,
                events.bridge())
            .bind(node.managementInterface(), node.managementPort())
            .toCompletableFuture();
    http.thenCombine(
            management,
            (binding, managed) -> {
              lines.listening("http", httpSettings.iface(), binding.localAddress().getPort());
              lines.listening(
                  "management", node.managementInterface(), managed.localAddress().getPort());
              return binding;
            })
        .thenCombine(
            mesh.bridgeListening(),
            (binding, listening) -> {
              lines.listening("bridge", mesh.bridge().bindHost(), listening.getPort());
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

  private static NodeMetrics metrics(ActorSystem<?> system, Edge edge, EventPath events) {
    return new NodeMetrics(
        system,
        edge.connections(),
        events.fanout(),
        events.bridge(),
        edge.responses(),
        edge.limits(),
        edge.authCounters(),
        edge.revoked(),
        events.history(),
        edge.channels().counters());
  }
}

package dev.crier.node;

import com.typesafe.config.Config;
import dev.crier.node.bridge.Bridge;
import dev.crier.node.bridge.BridgeSettings;
import dev.crier.node.cluster.NodeDirectory;
import dev.crier.node.cluster.NodeInfo;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * How the nodes find and link each other, wired: the node directory (each node's id, bridge
 * endpoint and load, in Distributed Data) and the bridge, which links to every node the directory
 * lists and takes pushed events in through the {@link Edge}'s publisher.
 *
 * @param nodeInfos every node's latest info, as the directory last saw it
 * @param bridgeListening completed with the bridge's bound address
 */
record NodeMesh(
    BridgeSettings bridge,
    AtomicReference<Map<String, NodeInfo>> nodeInfos,
    CompletableFuture<InetSocketAddress> bridgeListening) {

  static NodeMesh start(
      ActorContext<Void> context, Config config, NodeSettings node, EventPath events, Edge edge) {
    Cluster cluster = Cluster.get(context.getSystem());
    String selfAddress = cluster.selfMember().address().toString();
    String nodeId = node.nodeIdAt(cluster.selfMember().address());
    BridgeSettings bridge = BridgeSettings.create(config);
    CompletableFuture<InetSocketAddress> listening = new CompletableFuture<>();
    ActorRef<Bridge.Command> links =
        context.spawn(
            Bridge.create(
                bridge,
                nodeId,
                events.transport(),
                events.bridge(),
                events.hubs(),
                edge.publisher(),
                listening),
            "bridge");
    AtomicReference<Map<String, NodeInfo>> nodeInfos = new AtomicReference<>(Map.of());
    context.spawn(
        NodeDirectory.create(
            () ->
                new NodeInfo(
                    nodeId,
                    selfAddress,
                    listening.isDone() && !listening.isCompletedExceptionally()
                        ? endpoint(listening.join())
                        : "",
                    edge.connections().open(),
                    events.fanout().topics()),
            events.cluster().nodeInfoInterval(),
            nodeInfos,
            nodes -> links.tell(new Bridge.DirectoryChanged(nodes))),
        "node-directory");
    return new NodeMesh(bridge, nodeInfos, listening);
  }

  private static String endpoint(InetSocketAddress address) {
    return address.getHostString() + ":" + address.getPort();
  }
}

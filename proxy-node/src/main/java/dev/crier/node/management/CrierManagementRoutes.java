package dev.crier.node.management;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.crier.node.auth.TokenAdmin;
import dev.crier.node.bridge.BridgeCounters;
import dev.crier.node.cluster.NodeInfo;
import dev.crier.node.cluster.RegistryView;
import dev.crier.node.http.Access;
import dev.crier.node.http.HttpServer;
import dev.crier.node.http.Json;
import dev.crier.node.http.QueryParameters;
import dev.crier.node.topic.TopicHubs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.PekkoManagement;

/**
 * Crier's routes on the management port, beside Pekko Management's own: {@code GET /crier/nodes}
 * (every node's id, address, status, connection and topic counts), {@code GET /crier/bridge},
 * {@code GET /metrics}, {@code GET /cluster/topics} (topics with subscribers, and on which nodes)
 * and the admin routes.
 */
public final class CrierManagementRoutes extends AllDirectives {
  private static final int DEFAULT_TOPIC_LIMIT = 1000;

  private final ActorSystem<?> system;
  private final AdminRoutes admin;
  private final NodeMetrics metrics;
  private final RegistryView registry;
  private final Supplier<Map<String, NodeInfo>> nodeInfos;
  private final BridgeCounters bridge;

  /**
   * @param access how admin callers are shown to be admins
   * @param tokens what the admin token routes mint and revoke with
   * @param registry this node's replica of the subscriber registry
   * @param nodeInfos every node's latest info, as the node directory last saw it
   */
  public CrierManagementRoutes(
      ActorSystem<?> system,
      Access access,
      TokenAdmin tokens,
      NodeMetrics metrics,
      RegistryView registry,
      Supplier<Map<String, NodeInfo>> nodeInfos,
      BridgeCounters bridge) {
    this.system = system;
    this.admin = new AdminRoutes(system, access, tokens);
    this.metrics = metrics;
    this.registry = registry;
    this.nodeInfos = nodeInfos;
    this.bridge = bridge;
  }

  /**
   * Binds the management listener: these routes (their errors answered as JSON, as on the public
   * port) and Pekko Management's (health checks, cluster membership).
   */
  public CompletionStage<ServerBinding> bind(String iface, int port) {
    Route all =
        concat(
            HttpServer.withJsonErrors(concat(admin.route(), reads())),
            PekkoManagement.get(system).getRoutes());
    return Http.get(system).newServerAt(iface, port).bind(all);
  }

  private Route reads() {
    return get(
        () ->
            concat(
                pathPrefix(
                    "crier",
                    () ->
                        concat(
                            path("nodes", () -> complete(Json.response(StatusCodes.OK, nodes()))),
                            path(
                                "bridge",
                                () -> complete(Json.response(StatusCodes.OK, bridge()))))),
                path(
                    "metrics",
                    () ->
                        complete(
                            HttpResponse.create()
                                .withEntity(
                                    HttpEntities.create(
                                        ContentTypes.TEXT_PLAIN_UTF8, metrics.scrape())))),
                path(
                    PathMatchers.segment("cluster").slash("topics"),
                    () ->
                        extractRequest(
                            request ->
                                complete(
                                    Json.response(
                                        StatusCodes.OK,
                                        topics(
                                            QueryParameters.wholeNumber(
                                                request,
                                                "limit",
                                                1,
                                                DEFAULT_TOPIC_LIMIT,
                                                "invalid_limit"))))))));
  }

  /** {@code GET /crier/nodes}: every member, with what it last told the cluster when it has. */
  private record Nodes(List<Node> nodes) {}

  /** One member; {@code load} is absent (not null) until the node's info arrives. */
  private record Node(
      String id, String address, String status, boolean self, @JsonUnwrapped Load load) {}

  private record Load(String bridge, int connections, int topics) {}

  private Nodes nodes() {
    Map<String, NodeInfo> infos = nodeInfos.get();
    Cluster cluster = Cluster.get(system);
    List<Node> nodes = new ArrayList<>();
    for (Member member : cluster.state().getMembers()) {
      String address = member.address().toString();
      NodeInfo info = infos.get(address);
      nodes.add(
          new Node(
              info == null ? address : info.id(),
              address,
              member.status().toString(),
              member.address().equals(cluster.selfMember().address()),
              info == null ? null : new Load(info.bridge(), info.connections(), info.topics())));
    }
    return new Nodes(nodes);
  }

  /** {@code GET /crier/bridge}: the SP bridge's counters, per peer and in total. */
  private record Bridge(
      List<Peer> peers, Inbound inbound, Ingest ingest, Tap tap, Map<String, Long> refused) {}

  private record Peer(
      String address, long frames, long bytes, long drops, long reconnects, long viaArtery) {}

  private record Inbound(long frames, long bytes) {}

  private record Ingest(long accepted, Map<String, Long> rejected) {}

  private record Tap(int subscribers, long frames, long drops) {}

  private Bridge bridge() {
    BridgeCounters counters = bridge;
    List<Peer> peers = new ArrayList<>();
    counters
        .peers()
        .forEach(
            (address, peer) ->
                peers.add(
                    new Peer(
                        address,
                        peer.frames(),
                        peer.bytes(),
                        peer.drops(),
                        peer.reconnects(),
                        peer.viaArtery())));
    return new Bridge(
        peers,
        new Inbound(counters.inboundFrames(), counters.inboundBytes()),
        new Ingest(counters.ingestAccepted(), counters.ingestRejected()),
        new Tap(counters.tapSubscribers(), counters.tapFrames(), counters.tapDrops()),
        counters.refused());
  }

  /** {@code GET /cluster/topics}: how many topics have subscribers, and the first {@code limit}. */
  private record Topics(int total, List<TopicNodes> topics) {}

  private record TopicNodes(String topic, List<String> nodes) {}

  private Topics topics(int limit) {
    Map<String, Set<ActorRef<TopicHubs.Command>>> all =
        registry == null ? Map.of() : new TreeMap<>(registry.all());
    Address self = Cluster.get(system).selfMember().address();
    List<TopicNodes> topics = new ArrayList<>();
    for (Map.Entry<String, Set<ActorRef<TopicHubs.Command>>> entry : all.entrySet()) {
      if (topics.size() >= limit) {
        break;
      }
      List<String> nodes = new ArrayList<>();
      for (ActorRef<TopicHubs.Command> node : entry.getValue()) {
        Address address = node.path().address();
        nodes.add((address.hasLocalScope() ? self : address).toString());
      }
      topics.add(new TopicNodes(entry.getKey(), nodes));
    }
    return new Topics(all.size(), topics);
  }
}

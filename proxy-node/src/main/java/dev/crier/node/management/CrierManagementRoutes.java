package dev.crier.node.management;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crier.node.bridge.BridgeCounters;
import dev.crier.node.cluster.NodeInfo;
import dev.crier.node.cluster.RegistryView;
import dev.crier.node.http.Json;
import dev.crier.node.http.QueryParameters;
import dev.crier.node.topic.TopicHubs;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;

/**
 * Crier's routes on the management port: {@code GET /crier/nodes} (every node's id, address,
 * status, connection and topic counts) and {@code GET /cluster/topics} (topics with subscribers,
 * and on which nodes). Registered with Pekko Management in {@code crier-node.conf}.
 */
public final class CrierManagementRoutes extends AllDirectives implements ManagementRouteProvider {
  private static final int DEFAULT_TOPIC_LIMIT = 1000;

  private final ActorSystem<?> system;

  public CrierManagementRoutes(ExtendedActorSystem system) {
    this.system = Adapter.toTyped(system);
  }

  @Override
  public Route routes(ManagementRouteProviderSettings settings) {
    return concat(new AdminRoutes(system).route(), reads());
  }

  private Route reads() {
    return get(
        () ->
            concat(
                path(
                    PathMatchers.segment("crier").slash("nodes"),
                    () -> complete(Json.response(StatusCodes.OK, nodes()))),
                path(
                    PathMatchers.segment("crier").slash("bridge"),
                    () -> complete(Json.response(StatusCodes.OK, bridge()))),
                path(
                    "metrics",
                    () ->
                        complete(
                            HttpResponse.create()
                                .withEntity(
                                    HttpEntities.create(
                                        ContentTypes.TEXT_PLAIN_UTF8,
                                        ClusterViews.get(system).metrics().scrape())))),
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

  private ObjectNode nodes() {
    Map<String, NodeInfo> infos = ClusterViews.get(system).nodes().get();
    Cluster cluster = Cluster.get(system);
    ObjectNode body = Json.MAPPER.createObjectNode();
    ArrayNode nodes = body.putArray("nodes");
    for (Member member : cluster.state().getMembers()) {
      String address = member.address().toString();
      NodeInfo info = infos.get(address);
      ObjectNode node =
          nodes
              .addObject()
              .put("id", info == null ? address : info.id())
              .put("address", address)
              .put("status", member.status().toString())
              .put("self", member.address().equals(cluster.selfMember().address()));
      if (info != null) {
        node.put("bridge", info.bridge())
            .put("connections", info.connections())
            .put("topics", info.topics());
      }
    }
    return body;
  }

  private ObjectNode bridge() {
    BridgeCounters counters = ClusterViews.get(system).bridge();
    ObjectNode body = Json.MAPPER.createObjectNode();
    ArrayNode peers = body.putArray("peers");
    counters
        .peers()
        .forEach(
            (address, peer) ->
                peers
                    .addObject()
                    .put("address", address)
                    .put("frames", peer.frames())
                    .put("bytes", peer.bytes())
                    .put("drops", peer.drops())
                    .put("reconnects", peer.reconnects())
                    .put("viaArtery", peer.viaArtery()));
    body.putObject("inbound")
        .put("frames", counters.inboundFrames())
        .put("bytes", counters.inboundBytes());
    ObjectNode ingest = body.putObject("ingest").put("accepted", counters.ingestAccepted());
    counters.ingestRejected().forEach(ingest.putObject("rejected")::put);
    body.putObject("tap")
        .put("subscribers", counters.tapSubscribers())
        .put("frames", counters.tapFrames())
        .put("drops", counters.tapDrops());
    counters.refused().forEach(body.putObject("refused")::put);
    return body;
  }

  private ObjectNode topics(int limit) {
    RegistryView registry = ClusterViews.get(system).registry();
    Map<String, Set<ActorRef<TopicHubs.Command>>> all =
        registry == null ? Map.of() : new TreeMap<>(registry.all());
    Address self = Cluster.get(system).selfMember().address();
    ObjectNode body = Json.MAPPER.createObjectNode().put("total", all.size());
    ArrayNode topics = body.putArray("topics");
    for (Map.Entry<String, Set<ActorRef<TopicHubs.Command>>> entry : all.entrySet()) {
      if (topics.size() >= limit) {
        break;
      }
      ArrayNode nodes = topics.addObject().put("topic", entry.getKey()).putArray("nodes");
      for (ActorRef<TopicHubs.Command> node : entry.getValue()) {
        Address address = node.path().address();
        nodes.add((address.hasLocalScope() ? self : address).toString());
      }
    }
    return body;
  }
}

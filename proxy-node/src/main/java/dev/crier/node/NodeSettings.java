package dev.crier.node;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.Address;

/**
 * The node-wide settings that belong to no feature: its name, where management listens, its seed
 * nodes, and how long the drain waits for local answers.
 *
 * @param nodeId {@code crier.node-id}, or "" for host:remote-port
 * @param managementInterface what the management listener binds to (announced at start)
 * @param managementPort its port; 0 picks a free one
 * @param seedNodes {@code pekko.cluster.seed-nodes}; empty for a cluster of its own
 * @param drainAskTimeout how long the drain waits for the hubs and the hand-off count
 */
public record NodeSettings(
    String nodeId,
    String managementInterface,
    int managementPort,
    List<String> seedNodes,
    Duration drainAskTimeout) {

  public NodeSettings {
    seedNodes = List.copyOf(seedNodes);
  }

  public static NodeSettings create(Config root) {
    return new NodeSettings(
        root.getString("crier.node-id"),
        root.getString("crier.management.interface"),
        root.getInt("crier.management.port"),
        root.getStringList("pekko.cluster.seed-nodes"),
        root.getDuration("crier.drain.ask-timeout"));
  }

  /** The configured name, or host:remote-port of this node's cluster address. */
  public String nodeIdAt(Address address) {
    if (!nodeId.isEmpty()) {
      return nodeId;
    }
    return address.getHost().orElse("local") + ":" + address.getPort().orElse(0);
  }
}

package dev.crier.node.cluster;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Crier's cluster settings, read once from {@code crier.cluster}.
 *
 * @param registryBuckets Distributed Data keys the subscriber registry is split over (must match on
 *     every node)
 * @param registryLinger how long a node stays registered for a topic after its last local
 *     subscriber left
 * @param nodeInfoInterval how often a node publishes its connection and topic counts
 */
public record ClusterSettings(
    int registryBuckets, Duration registryLinger, Duration nodeInfoInterval) {

  public ClusterSettings {
    if (registryBuckets < 1) {
      throw new IllegalArgumentException("crier.cluster.registry-buckets must be >= 1");
    }
  }

  public static ClusterSettings create(Config root) {
    Config c = root.getConfig("crier.cluster");
    return new ClusterSettings(
        c.getInt("registry-buckets"),
        c.getDuration("registry-linger"),
        c.getDuration("node-info-interval"));
  }
}

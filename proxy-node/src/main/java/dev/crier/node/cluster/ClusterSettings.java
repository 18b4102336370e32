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
 * @param hubResyncInterval how soon each topic hub asks its owner for events it may have missed
 * @param hubResyncMaxInterval how far that interval grows while the asks find nothing missing
 * @param nodeInfoInterval how often a node publishes its connection and topic counts
 */
public record ClusterSettings(
    int registryBuckets,
    Duration registryLinger,
    Duration hubResyncInterval,
    Duration hubResyncMaxInterval,
    Duration nodeInfoInterval) {

  public ClusterSettings {
    if (registryBuckets < 1) {
      throw new IllegalArgumentException("crier.cluster.registry-buckets must be >= 1");
    }
    if (hubResyncMaxInterval.compareTo(hubResyncInterval) < 0) {
      throw new IllegalArgumentException(
          "crier.cluster.hub-resync-max-interval must be >= hub-resync-interval");
    }
  }

  public static ClusterSettings create(Config root) {
    Config c = root.getConfig("crier.cluster");
    return new ClusterSettings(
        c.getInt("registry-buckets"),
        c.getDuration("registry-linger"),
        c.getDuration("hub-resync-interval"),
        c.getDuration("hub-resync-max-interval"),
        c.getDuration("node-info-interval"));
  }
}

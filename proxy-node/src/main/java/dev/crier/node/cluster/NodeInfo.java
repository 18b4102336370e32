package dev.crier.node.cluster;

import dev.crier.node.ClusterMessage;

/**
 * What a node tells the cluster about itself, refreshed every few seconds in Distributed Data.
 *
 * @param id the node's name ({@code crier.node-id}, default host:remote-port)
 * @param address the node's cluster address ({@code pekko://crier@host:port})
 * @param bridge where its SP (NNG) bridge listens ({@code host:port}), empty until bound
 * @param connections SSE connections open on it
 * @param topics topics with subscribers on it
 */
public record NodeInfo(String id, String address, String bridge, int connections, int topics)
    implements ClusterMessage {}

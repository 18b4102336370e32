package dev.crier.node;

/**
 * Marks a message that may cross nodes. Bound once, in {@code crier-node.conf}, to Pekko's Jackson
 * CBOR serializer, so that nothing is Java-serialized by accident.
 */
public interface ClusterMessage {}

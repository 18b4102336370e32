package dev.crier.node.subscribe;

import dev.crier.node.Refusal;

/**
 * What became of a connection {@link Connections} was asked to open: an SSE subscription's stream,
 * caught up; a WebSocket's id; or why it was refused.
 */
public sealed interface Opened {
  record Stream(SubscriberStream stream) implements Opened {}

  /** An admitted WebSocket, known to the node by this id. */
  record Socket(long id) implements Opened {}

  record Refused(Refusal refusal) implements Opened {}
}

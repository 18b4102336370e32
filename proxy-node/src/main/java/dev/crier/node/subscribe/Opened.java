package dev.crier.node.subscribe;

import dev.crier.node.Refusal;

/**
 * What became of a connection {@link Connections} was asked to open: an SSE subscription's stream,
 * caught up; the id of another admitted connection (a WebSocket, a channel's reader); or why it was
 * refused.
 */
public sealed interface Opened {
  record Stream(SubscriberStream stream) implements Opened {}

  /** An admitted connection that is not an SSE subscription, known to the node by this id. */
  record Admitted(long id) implements Opened {}

  record Refused(Refusal refusal) implements Opened {}
}

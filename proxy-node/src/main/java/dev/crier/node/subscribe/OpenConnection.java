package dev.crier.node.subscribe;

import dev.crier.node.auth.Grants;
import dev.crier.node.limits.Limits;
import java.util.List;
import java.util.Set;

/**
 * An open connection, what it holds of the per-client limits, whose it is (its token's id, null if
 * none, so that revoking the token ends it; subject and address, so that a reconnect may replace
 * it), its subscription (its topics, none for a WebSocket that has not subscribed, and the id the
 * hubs know it by), and why the node ended it (null until it does).
 */
final class OpenConnection {
  final long id;
  final Transport transport;
  final SubscriberStream stream;
  final Connections.Ender ender;
  final Limits.Release release;
  final Grants grants;
  final String clientAddress;
  volatile List<String> topics;
  volatile long hubId;
  volatile DisconnectReason endedBy;

  OpenConnection(
      long id,
      Transport transport,
      SubscriberStream stream,
      Connections.Ender ender,
      Limits.Release release,
      Grants grants,
      String clientAddress,
      List<String> topics) {
    this.id = id;
    this.transport = transport;
    this.stream = stream;
    this.ender = ender;
    this.release = release;
    this.grants = grants;
    this.clientAddress = clientAddress;
    this.topics = topics;
    this.hubId = id;
  }

  /**
   * Whether a resume by {@code subject} for the same {@code topics} may take this SSE stream's
   * place (from {@code address} only, unless it is null).
   */
  boolean replaceableBy(String subject, Set<String> topics, String address) {
    return endedBy == null
        && transport == Transport.SSE
        && subject.equals(grants.subject())
        && topics.equals(Set.copyOf(this.topics))
        && (address == null || address.equals(clientAddress));
  }
}

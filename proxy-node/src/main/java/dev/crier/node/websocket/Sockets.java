package dev.crier.node.websocket;

import dev.crier.node.http.Access;
import dev.crier.node.publish.EventRequests;
import dev.crier.node.publish.Publisher;
import dev.crier.node.subscribe.Connections;
import dev.crier.node.subscribe.SubscribeSettings;

/**
 * What every WebSocket session works with: its settings, the node's access checks, connections,
 * publisher and publish validation.
 *
 * @param maxReplay the largest {@code replay} honoured ({@code crier.history.max-events})
 */
record Sockets(
    WebSocketSettings settings,
    SubscribeSettings subscribe,
    int maxReplay,
    Access access,
    Connections connections,
    Publisher publisher,
    EventRequests requests) {}

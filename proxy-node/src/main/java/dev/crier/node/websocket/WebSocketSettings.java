package dev.crier.node.websocket;

import com.typesafe.config.Config;
import dev.crier.node.topic.TopicHubSettings;
import java.time.Duration;

/**
 * WebSocket sessions' limits, read once from {@code crier.websocket}.
 *
 * @param authTimeout how long a socket without a token may take to send its {@code auth} frame
 * @param maxMessageBytes the largest client message taken
 * @param unackedEvents events sent and not acknowledged per socket in at-least-once mode, lowered
 *     to half of {@code crier.history.max-events} if larger
 * @param unackedBytes their bytes
 * @param pendingReplies answers queued for a socket before its frames are no longer read
 * @param publishesInFlight publish frames of one socket answered at once
 */
public record WebSocketSettings(
    Duration authTimeout,
    int maxMessageBytes,
    int unackedEvents,
    long unackedBytes,
    int pendingReplies,
    int publishesInFlight) {

  public WebSocketSettings {
    if (authTimeout.isNegative() || authTimeout.isZero()) {
      throw new IllegalArgumentException("crier.websocket.auth-timeout must be positive");
    }
    positive("max-message-bytes", maxMessageBytes);
    positive("unacked-events", unackedEvents);
    positive("unacked-bytes", (int) Math.min(Integer.MAX_VALUE, unackedBytes));
    positive("pending-replies", pendingReplies);
    positive("publishes-in-flight", publishesInFlight);
  }

  public static WebSocketSettings create(Config root) {
    Config c = root.getConfig("crier.websocket");
    return new WebSocketSettings(
        c.getDuration("auth-timeout"),
        (int) Math.min(Integer.MAX_VALUE, c.getBytes("max-message-bytes")),
        TopicHubSettings.resumableBufferSize(
            c.getInt("unacked-events"), root.getInt("crier.history.max-events")),
        c.getBytes("unacked-bytes"),
        c.getInt("pending-replies"),
        c.getInt("publishes-in-flight"));
  }

  private static void positive(String key, int value) {
    if (value < 1) {
      throw new IllegalArgumentException("crier.websocket." + key + " must be >= 1, was " + value);
    }
  }
}

package dev.crier.node.websocket;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.crier.node.http.ApiError;
import dev.crier.node.http.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;

/**
 * The frames a WebSocket session answers with, besides events (schema in docs/api.md): each a JSON
 * object named by its key, with the {@code ref} of the frame it answers when that had one.
 */
final class ServerFrames {
  private ServerFrames() {}

  /** {@code {"error": code, "message", "status", "retryAfter"?, "ref"?}}: the HTTP API's codes. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  private record Error(String error, String message, int status, Integer retryAfter, String ref) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  private record Authenticated(boolean authenticated, String subject, String ref) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  private record Unsubscribed(List<String> unsubscribed, String ref) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  private record Published(Object published, String ref) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  private record Pong(JsonNode pong, String ref) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  private record Subscribed(List<String> subscribed, String id, boolean ack, String ref) {}

  static Message error(String ref, ApiError error) {
    return text(
        new Error(
            error.code(),
            error.message(),
            error.status().intValue(),
            error.retryAfterSeconds(),
            ref));
  }

  static Message authenticated(String subject, String ref) {
    return text(new Authenticated(true, subject, ref));
  }

  static Message unsubscribed(List<String> topics, String ref) {
    return text(new Unsubscribed(topics, ref));
  }

  static Message published(Object answer, String ref) {
    return text(new Published(answer, ref));
  }

  static Message pong(JsonNode payload, String ref) {
    return text(new Pong(payload, ref));
  }

  /** The subscription is in place: the cursor it goes on after, and whether acks are expected. */
  static String subscribed(List<String> topics, String cursor, boolean ack, String ref) {
    return new String(Json.bytes(new Subscribed(topics, cursor, ack, ref)), StandardCharsets.UTF_8);
  }

  private static Message text(Object frame) {
    return TextMessage.create(new String(Json.bytes(frame), StandardCharsets.UTF_8));
  }
}

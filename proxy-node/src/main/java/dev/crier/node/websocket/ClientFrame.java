package dev.crier.node.websocket;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.crier.node.http.ApiError;
import dev.crier.node.http.Json;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A frame a WebSocket client sends: one JSON object naming one command by its key ({@code auth},
 * {@code subscribe}, {@code unsubscribe}, {@code publish}, {@code ack}, {@code ping}), with that
 * command's optional fields and an optional {@code ref} the answer repeats. The schema is in
 * docs/api.md.
 */
sealed interface ClientFrame {

  /** The client's correlation value, repeated in the answer; null if none. */
  String ref();

  /** {@code {"auth": "<jwt>"}}: the token, for a socket that opened without one. */
  record Auth(String ref, String token) implements ClientFrame {}

  /**
   * {@code {"subscribe": ["a", "b"], "lastEventId"?, "replay"?, "ack"?}}.
   *
   * @param ack at-least-once mode; null leaves it as the upgrade request said ({@code ?ack=true})
   */
  record Subscribe(String ref, List<String> topics, String lastEventId, int replay, Boolean ack)
      implements ClientFrame {}

  /** {@code {"unsubscribe": true}}: ends the socket's subscription; the socket stays open. */
  record Unsubscribe(String ref) implements ClientFrame {}

  /** {@code {"publish": <event or array of events, as POST /publish takes>}}. */
  record Publish(String ref, JsonNode events) implements ClientFrame {}

  /** {@code {"ack": "<cursor>"}}: every event up to and including this cursor is received. */
  record Ack(String ref, String cursor) implements ClientFrame {}

  /** {@code {"ping": <any JSON>}}: answered with {@code {"pong": <the same>}}. */
  record Ping(String ref, JsonNode payload) implements ClientFrame {}

  /** The fields each command takes besides its own key and {@code ref}. */
  Map<String, Set<String>> FIELDS =
      Map.of(
          "auth", Set.of(),
          "subscribe", Set.of("lastEventId", "replay", "ack"),
          "unsubscribe", Set.of(),
          "publish", Set.of(),
          "ack", Set.of(),
          "ping", Set.of());

  /**
   * Parses one text frame; a malformed one is refused ({@code invalid_frame}, 400) with the frame's
   * {@code ref} when it has one.
   */
  static ClientFrame parse(String text) {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new Refused(null, invalid("frame is not valid JSON: " + e.getOriginalMessage()));
    }
    if (root == null || !root.isObject()) {
      throw new Refused(null, invalid("a frame is a JSON object"));
    }
    String ref;
    try {
      ref = ref(root);
    } catch (ApiError.Rejection r) {
      throw new Refused(null, r.error());
    }
    try {
      return command(root, ref);
    } catch (ApiError.Rejection r) {
      throw new Refused(ref, r.error());
    }
  }

  private static ClientFrame command(JsonNode root, String ref) {
    List<String> commands = new ArrayList<>();
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (FIELDS.containsKey(field)) {
        commands.add(field);
      }
    }
    if (commands.contains("subscribe")) {
      // In a subscribe frame, ack is the subscription's mode, not a command.
      commands.remove("ack");
    }
    if (commands.size() != 1) {
      throw invalid("a frame names exactly one of " + new TreeSet<>(FIELDS.keySet())).rejection();
    }
    String command = commands.get(0);
    Set<String> allowed = FIELDS.get(command);
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!field.equals(command) && !field.equals("ref") && !allowed.contains(field)) {
        throw invalid("unknown field " + field + " in a " + command + " frame").rejection();
      }
    }
    JsonNode value = root.get(command);
    return switch (command) {
      case "auth" -> new Auth(ref, text(value, "auth", "the token"));
      case "subscribe" -> subscribe(ref, root, value);
      case "unsubscribe" -> new Unsubscribe(ref);
      case "publish" -> new Publish(ref, value);
      case "ack" -> new Ack(ref, text(value, "ack", "the cursor of the last event received"));
      default -> new Ping(ref, value);
    };
  }

  private static Subscribe subscribe(String ref, JsonNode root, JsonNode topics) {
    if (!topics.isArray()) {
      throw invalid("subscribe takes an array of topic names").rejection();
    }
    List<String> names = new ArrayList<>();
    for (JsonNode t : topics) {
      if (!t.isTextual()) {
        throw ApiError.badRequest("invalid_topic", "a topic name is a string").rejection();
      }
      names.add(t.textValue());
    }
    JsonNode cursor = root.get("lastEventId");
    String lastEventId = null;
    if (cursor != null && !cursor.isNull()) {
      lastEventId = text(cursor, "lastEventId", "a cursor");
    }
    JsonNode replay = root.get("replay");
    int n = 0;
    if (replay != null && !replay.isNull()) {
      if (!replay.canConvertToInt() || !replay.isIntegralNumber() || replay.intValue() < 0) {
        throw ApiError.badRequest("invalid_replay", "replay must be a whole number >= 0")
            .rejection();
      }
      n = replay.intValue();
    }
    JsonNode ack = root.get("ack");
    Boolean atLeastOnce = null;
    if (ack != null && !ack.isNull()) {
      if (!ack.isBoolean()) {
        throw invalid("ack in a subscribe frame is true or false").rejection();
      }
      atLeastOnce = ack.booleanValue();
    }
    return new Subscribe(ref, names, lastEventId, n, atLeastOnce);
  }

  private static String ref(JsonNode root) {
    JsonNode ref = root.get("ref");
    if (ref == null || ref.isNull()) {
      return null;
    }
    if (!ref.isTextual() && !ref.isNumber()) {
      throw invalid("ref is a string or a number").rejection();
    }
    return ref.asText();
  }

  private static String text(JsonNode value, String field, String what) {
    if (!value.isTextual() || value.textValue().isEmpty()) {
      throw invalid(field + " takes " + what + " as a non-empty string").rejection();
    }
    return value.textValue();
  }

  private static ApiError invalid(String message) {
    return ApiError.badRequest("invalid_frame", message);
  }

  /** A refused frame: the error, and the {@code ref} to answer it with (null if none). */
  final class Refused extends RuntimeException {
    private final String ref;
    private final ApiError error;

    Refused(String ref, ApiError error) {
      super(error.message(), null, false, false);
      this.ref = ref;
      this.error = error;
    }

    String ref() {
      return ref;
    }

    ApiError error() {
      return error;
    }
  }
}

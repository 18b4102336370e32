package dev.crier.node.publish;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.crier.node.http.ApiError;
import dev.crier.node.http.Json;
import dev.crier.node.http.RequestBody;
import dev.crier.node.topic.TopicOwner;
import dev.crier.protocol.topic.InvalidTopicException;
import dev.crier.protocol.topic.TopicName;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Validates what publishers send and turns it into drafts for topic owners. Every check that can
 * fail happens here, before anything is published, so a bad batch publishes nothing. A refusal is
 * an {@link ApiError.Rejection}: the HTTP routes answer it, a WebSocket sends it as an error frame.
 */
public final class EventRequests {
  static final int MAX_TYPE_LENGTH = 256;
  static final int MAX_KEY_LENGTH = 256;
  private static final Set<String> BATCH_FIELDS =
      Set.of("topic", "type", "data", "idempotencyKey", "deliverAt");

  /**
   * Epoch milliseconds below this (March 1973) are epoch seconds by mistake: taken as milliseconds
   * they would be a time long past, and the event would go out at once instead of when meant.
   */
  private static final long PLAINLY_SECONDS = 100_000_000_000L;

  /**
   * The events of one {@code POST /publish} (or WebSocket {@code publish} frame).
   *
   * @param array whether the body was an array (then the answer is one too)
   */
  public record Batch(List<Publisher.Event> items, boolean array) {}

  private final PublishSettings settings;
  private final Clock clock;

  public EventRequests(PublishSettings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
  }

  static String topic(String topic) {
    try {
      return TopicName.validate(topic);
    } catch (InvalidTopicException e) {
      throw ApiError.badRequest("invalid_topic", e.getMessage()).rejection();
    }
  }

  /** A draft from {@code POST /topics/{topic}/events}: raw body and optional headers. */
  TopicOwner.Draft raw(byte[] body, String type, String idempotencyKey, String deliverAt) {
    Long at = null;
    if (deliverAt != null) {
      try {
        at = Long.parseLong(deliverAt.trim());
      } catch (NumberFormatException e) {
        throw invalidDeliverAt();
      }
    }
    return draft(RequestBody.utf8(body, "invalid_data", "event data"), type, idempotencyKey, at);
  }

  /** The drafts of a {@code POST /publish} body: one JSON object or an array of them. */
  Batch batch(byte[] body) {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw ApiError.badRequest("invalid_json", "body is not valid JSON: " + e.getOriginalMessage())
          .rejection();
    } catch (IOException e) {
      throw ApiError.badRequest("invalid_json", "body is not valid JSON").rejection();
    }
    return batch(root);
  }

  /** The drafts of one JSON event object or an array of them. */
  public Batch batch(JsonNode root) {
    if (root == null || !(root.isObject() || root.isArray())) {
      throw ApiError.badRequest("invalid_json", "body must be an event object or an array of them")
          .rejection();
    }
    List<JsonNode> items = new ArrayList<>();
    if (root.isArray()) {
      root.forEach(items::add);
    } else {
      items.add(root);
    }
    if (items.isEmpty() || items.size() > settings.maxBatchEvents()) {
      throw ApiError.badRequest(
              "invalid_batch",
              "a batch holds 1 to " + settings.maxBatchEvents() + " events, got " + items.size())
          .rejection();
    }
    List<Publisher.Event> out = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      try {
        out.add(item(items.get(i)));
      } catch (ApiError.Rejection r) {
        String where = root.isArray() ? "event " + i + ": " : "";
        throw new ApiError(r.error().status(), r.error().code(), where + r.error().message(), null)
            .rejection();
      }
    }
    return new Batch(out, root.isArray());
  }

  private Publisher.Event item(JsonNode item) {
    if (!item.isObject()) {
      throw ApiError.badRequest("invalid_event", "an event must be a JSON object").rejection();
    }
    for (Iterator<String> it = item.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!BATCH_FIELDS.contains(field)) {
        throw ApiError.badRequest("invalid_event", "unknown field " + field).rejection();
      }
    }
    String topic = topic(string(item, "topic", true));
    JsonNode data = item.get("data");
    if (data == null) {
      throw ApiError.badRequest("invalid_event", "field data is required").rejection();
    }
    JsonNode deliverAt = item.get("deliverAt");
    Long at = null;
    if (deliverAt != null && !deliverAt.isNull()) {
      if (!deliverAt.canConvertToLong() || !deliverAt.isIntegralNumber()) {
        throw invalidDeliverAt();
      }
      at = deliverAt.longValue();
    }
    String text = data.isTextual() ? data.textValue() : data.toString();
    if (Publisher.exceeds(text, settings.maxBytes())) {
      throw ApiError.tooLarge("event data exceeds " + settings.maxBytes() + " bytes").rejection();
    }
    return new Publisher.Event(
        topic, draft(text, string(item, "type", false), string(item, "idempotencyKey", false), at));
  }

  private static String string(JsonNode item, String field, boolean required) {
    JsonNode value = item.get(field);
    if (value == null || value.isNull()) {
      if (required) {
        throw ApiError.badRequest("invalid_event", "field " + field + " is required").rejection();
      }
      return null;
    }
    if (!value.isTextual()) {
      throw ApiError.badRequest("invalid_event", "field " + field + " must be a string")
          .rejection();
    }
    return value.textValue();
  }

  private TopicOwner.Draft draft(String data, String type, String idempotencyKey, Long deliverAt) {
    if (type != null) {
      if (type.isEmpty()
          || type.length() > MAX_TYPE_LENGTH
          || type.indexOf('\r') >= 0
          || type.indexOf('\n') >= 0) {
        throw ApiError.badRequest(
                "invalid_type", "event type must be 1-" + MAX_TYPE_LENGTH + " chars without CR/LF")
            .rejection();
      }
      if (type.startsWith("crier.")) {
        throw ApiError.badRequest("invalid_type", "event types starting with crier. are reserved")
            .rejection();
      }
    }
    if (idempotencyKey != null
        && (idempotencyKey.isEmpty() || idempotencyKey.length() > MAX_KEY_LENGTH)) {
      throw ApiError.badRequest(
              "invalid_idempotency_key", "idempotency key must be 1-" + MAX_KEY_LENGTH + " chars")
          .rejection();
    }
    if (deliverAt != null && deliverAt < PLAINLY_SECONDS) {
      throw ApiError.badRequest(
              "invalid_deliver_at",
              "deliverAt "
                  + deliverAt
                  + " is before 1973: it takes epoch milliseconds, not seconds")
          .rejection();
    }
    if (deliverAt != null && deliverAt > clock.millis() + settings.maxScheduleAhead().toMillis()) {
      throw invalidDeliverAt();
    }
    return new TopicOwner.Draft(
        type, data, idempotencyKey != null ? idempotencyKey : nodeMadeKey(), deliverAt);
  }

  /**
   * Every publish carries a key, so that a retry after an unknown outcome cannot make a second
   * event. It only has to be unique, not secret: 128 random bits from the thread's generator, which
   * costs the publish path far less than a SecureRandom.
   */
  private static String nodeMadeKey() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return "crier:"
        + Long.toUnsignedString(random.nextLong(), 36)
        + "-"
        + Long.toUnsignedString(random.nextLong(), 36);
  }

  private ApiError.Rejection invalidDeliverAt() {
    return ApiError.badRequest(
            "invalid_deliver_at",
            "deliverAt must be epoch milliseconds, at most "
                + settings.maxScheduleAhead()
                + " ahead")
        .rejection();
  }
}

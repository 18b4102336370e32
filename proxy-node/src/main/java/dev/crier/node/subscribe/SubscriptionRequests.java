package dev.crier.node.subscribe;

import dev.crier.node.auth.Grants;
import dev.crier.node.http.ApiError;
import dev.crier.protocol.cursor.CursorCodec;
import dev.crier.protocol.cursor.InvalidCursorException;
import dev.crier.protocol.cursor.Position;
import dev.crier.protocol.topic.InvalidTopicException;
import dev.crier.protocol.topic.TopicName;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The checks of a subscription, whichever transport asks for it: its topics, its cursor, and what
 * the token grants. Each refusal is an {@link ApiError.Rejection} with the API's error code.
 */
public final class SubscriptionRequests {
  private SubscriptionRequests() {}

  /** The distinct, valid topics asked for, at most {@code maxTopics} of them. */
  public static List<String> topics(List<String> requested, int maxTopics) {
    if (requested.isEmpty()) {
      throw ApiError.badRequest("missing_topic", "name a topic: /events/{topic} or ?topic=")
          .rejection();
    }
    Set<String> distinct = new LinkedHashSet<>(requested);
    if (distinct.size() > maxTopics) {
      throw ApiError.badRequest(
              "too_many_topics", "a subscription may name at most " + maxTopics + " topics")
          .rejection();
    }
    for (String topic : distinct) {
      try {
        TopicName.validate(topic);
      } catch (InvalidTopicException e) {
        throw ApiError.badRequest("invalid_topic", e.getMessage()).rejection();
      }
    }
    return new ArrayList<>(distinct);
  }

  /** The positions a resume cursor holds, or null for none (absent or empty). */
  public static Position[] resume(CursorCodec codec, String cursor) {
    if (cursor == null || cursor.isEmpty()) {
      return null;
    }
    try {
      return codec.parse(cursor);
    } catch (InvalidCursorException e) {
      throw ApiError.badRequest("invalid_cursor", e.getMessage()).rejection();
    }
  }

  /** Refuses (403) the first topic the token does not grant subscribing to. */
  public static void granted(Grants grants, List<String> topics) {
    for (String topic : topics) {
      if (!grants.maySubscribe(topic)) {
        throw ApiError.forbidden("token does not grant subscribe to topic " + topic).rejection();
      }
    }
  }
}

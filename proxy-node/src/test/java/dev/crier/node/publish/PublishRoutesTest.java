package dev.crier.node.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crier.node.support.Await;
import dev.crier.node.support.Http;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import dev.crier.protocol.sse.SseEvent;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PublishRoutesTest {
  private static final String TOKEN = TestNode.allAccess();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int MAX_BATCH_EVENTS = 100;
  private static final int MAX_SCHEDULED = 3;
  private static final Duration MAX_SCHEDULE_AHEAD = Duration.ofHours(1);
  private static final int MAX_HISTORY = 150;
  private TestNode node;

  @BeforeAll
  void start() {
    node =
        TestNode.start(
            "crier.publish.max-bytes = 1 KiB\n"
                + "crier.publish.max-batch-bytes = 8 KiB\n"
                + "crier.publish.max-batch-events = "
                + MAX_BATCH_EVENTS
                + "\ncrier.publish.max-scheduled = "
                + MAX_SCHEDULED
                + "\ncrier.publish.max-schedule-ahead = "
                + MAX_SCHEDULE_AHEAD.toMinutes()
                + "m\ncrier.history.max-events = "
                + MAX_HISTORY);
  }

  @AfterAll
  void stop() {
    node.close();
  }

  private static String topic() {
    return "p/" + UUID.randomUUID();
  }

  private JsonNode history(String topic, String query) throws Exception {
    Http.Answer a = Http.get(node.http("/topics/" + topic + "/events" + query), TOKEN);
    assertEquals(200, a.status(), a.raw().body());
    return a.json();
  }

  private static void assertError(Http.Answer a, int status, String code) {
    assertEquals(status, a.status(), a.raw().body());
    assertEquals(
        "application/json", a.raw().headers().firstValue("Content-Type").orElse(""), "JSON body");
    assertEquals(code, a.json().get("error").asText(), a.raw().body());
    assertFalse(a.json().get("message").asText().isEmpty());
  }

  /**
   * Dot segments in a URL path are resolved before routing, so grants must (and do) apply to the
   * resolved topic: a token for {@code orders/*} cannot reach {@code victim} through {@code
   * orders/../victim}, while in a JSON body the same name is an ordinary topic of its own.
   */
  @Test
  void dotSegmentsInThePathAreResolvedAndGrantsApplyToTheResolvedTopic() throws Exception {
    String prefix = "dots" + UUID.randomUUID();
    String orders = TestNode.token(List.of(), List.of(prefix + "/*"));
    String victim = "v" + UUID.randomUUID();
    Http.Answer viaPath =
        Http.send(
            Http.auth(
                    HttpRequest.newBuilder(
                        URI.create(
                            node.http("/").toString()
                                + "topics/"
                                + prefix
                                + "/../"
                                + victim
                                + "/events")),
                    orders)
                .POST(HttpRequest.BodyPublishers.ofString("x"))
                .build());
    assertError(viaPath, 403, "forbidden");
    assertTrue(viaPath.json().get("message").asText().endsWith(" " + victim), viaPath.raw().body());
    Http.Answer inBody =
        Http.postJson(
            node.http("/publish"),
            "[{\"topic\":\"" + prefix + "/../" + victim + "\",\"data\":\"x\"}]",
            orders);
    assertEquals(201, inBody.status(), inBody.raw().body());
    assertEquals(0, history(victim, "").get("events").size(), "nothing reached " + victim);
  }

  @Test
  void publishedEventsAreInHistoryInOrderWithTheirIds() throws Exception {
    String topic = topic();
    String first = Http.publish(node, topic, "one", TOKEN).json().get("id").asText();
    String second = Http.publish(node, topic, "two", TOKEN).json().get("id").asText();
    JsonNode all = history(topic, "");
    assertEquals(2, all.get("events").size());
    assertEquals(first, all.get("events").get(0).get("id").asText());
    assertEquals("two", all.get("events").get(1).get("data").asText());
    assertEquals(second, all.get("lastId").asText());
    JsonNode after = history(topic, "?after=" + first);
    assertEquals(1, after.get("events").size());
    assertEquals(second, after.get("events").get(0).get("id").asText());
    assertEquals(1, history(topic, "?limit=1").get("events").size());
  }

  @Test
  void batchPublishesEveryEventAndAnswersInOrder() throws Exception {
    String a = topic();
    String b = topic();
    Http.Answer answer =
        Http.postJson(
            node.http("/publish"),
            "[{\"topic\":\""
                + a
                + "\",\"data\":\"x\"},{\"topic\":\""
                + b
                + "\",\"type\":\"t\",\"data\":{\"n\":1}},{\"topic\":\""
                + a
                + "\",\"data\":[1,2]}]",
            TOKEN);
    assertEquals(201, answer.status(), answer.raw().body());
    assertEquals(3, answer.json().size());
    assertEquals(a, answer.json().get(0).get("topic").asText());
    assertEquals(b, answer.json().get(1).get("topic").asText());
    JsonNode historyA = history(a, "").get("events");
    assertEquals(
        List.of("x", "[1,2]"),
        List.of(historyA.get(0).get("data").asText(), historyA.get(1).get("data").asText()));
    JsonNode historyB = history(b, "").get("events");
    assertEquals("{\"n\":1}", historyB.get(0).get("data").asText());
    assertEquals("t", historyB.get(0).get("type").asText());
    Http.Answer single =
        Http.postJson(node.http("/publish"), "{\"topic\":\"" + a + "\",\"data\":\"y\"}", TOKEN);
    assertEquals(201, single.status());
    assertTrue(single.json().isObject());
  }

  @Test
  void malformedBatchIsRejectedAndPublishesNothing() throws Exception {
    String topic = topic();
    assertError(
        Http.postJson(node.http("/publish"), "[{\"topic\":\"" + topic + "\",", TOKEN),
        400,
        "invalid_json");
    assertError(
        Http.postJson(
            node.http("/publish"),
            "[{\"topic\":\""
                + topic
                + "\",\"data\":\"ok\"},{\"topic\":\"bad topic\",\"data\":\"x\"}]",
            TOKEN),
        400,
        "invalid_topic");
    assertError(
        Http.postJson(
            node.http("/publish"),
            "[{\"topic\":\"" + topic + "\",\"data\":\"ok\"},{\"topic\":\"" + topic + "\"}]",
            TOKEN),
        400,
        "invalid_event");
    assertError(
        Http.postJson(
            node.http("/publish"),
            "[{\"topic\":\"" + topic + "\",\"data\":1,\"colour\":2}]",
            TOKEN),
        400,
        "invalid_event");
    assertError(Http.postJson(node.http("/publish"), "[]", TOKEN), 400, "invalid_batch");
    assertEquals(0, history(topic, "").get("events").size());
  }

  @Test
  void badTopicNamesAreRejected() throws Exception {
    assertError(Http.publish(node, "a%20b", "x", TOKEN), 400, "invalid_topic");
    assertError(Http.publish(node, "caf%C3%A9", "x", TOKEN), 400, "invalid_topic");
    assertError(Http.publish(node, "x".repeat(257), "x", TOKEN), 400, "invalid_topic");
    assertError(Http.get(node.http("/events/a%22b"), TOKEN), 400, "invalid_topic");
    assertError(Http.get(node.http("/events?topic=a%0Ab"), TOKEN), 400, "invalid_topic");
    assertError(Http.get(node.http("/events"), TOKEN), 400, "missing_topic");
    assertEquals(201, Http.publish(node, "x".repeat(256), "x", TOKEN).status());
    assertEquals(
        201, Http.publish(node, "a.b_c~d:e@f!g$h&i'j(k)l*m+n,o;p=q/r-s", "x", TOKEN).status());
  }

  @Test
  void oversizeBodiesGet413() throws Exception {
    String topic = topic();
    assertError(Http.publish(node, topic, "x".repeat(1025), TOKEN), 413, "payload_too_large");
    assertEquals(201, Http.publish(node, topic, "x".repeat(1024), TOKEN).status());
    assertError(
        Http.postJson(
            node.http("/publish"),
            "{\"topic\":\"" + topic + "\",\"data\":\"" + "x".repeat(2000) + "\"}",
            TOKEN),
        413,
        "payload_too_large");
    assertError(
        Http.postJson(node.http("/publish"), "[" + "1,".repeat(5000) + "1]", TOKEN),
        413,
        "payload_too_large");
  }

  @Test
  void invalidCursorsAndParametersAre400() throws Exception {
    String topic = topic();
    assertError(
        Http.get(node.http("/topics/" + topic + "/events?after=nope"), TOKEN),
        400,
        "invalid_cursor");
    assertError(
        Http.get(node.http("/events/" + topic + "?lastEventId=zz-"), TOKEN), 400, "invalid_cursor");
    assertError(
        Http.send(
            Http.auth(HttpRequest.newBuilder(node.http("/events/" + topic)), TOKEN)
                .header("Last-Event-ID", "1-2.3-4~5")
                .build()),
        400,
        "invalid_cursor");
    assertError(
        Http.get(node.http("/events/" + topic + "?replay=-1"), TOKEN), 400, "invalid_replay");
    assertError(
        Http.get(node.http("/topics/" + topic + "/events?limit=0"), TOKEN), 400, "invalid_limit");
  }

  @Test
  void nonUtf8DataAndReservedTypesAreRejected() throws Exception {
    String topic = topic();
    assertError(
        Http.send(
            Http.auth(HttpRequest.newBuilder(node.http("/topics/" + topic + "/events")), TOKEN)
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {(byte) 0xC3, (byte) 0x28}))
                .build()),
        400,
        "invalid_data");
    assertError(
        Http.send(
            Http.auth(HttpRequest.newBuilder(node.http("/topics/" + topic + "/events")), TOKEN)
                .header("Crier-Event-Type", "crier.reset")
                .POST(HttpRequest.BodyPublishers.ofString("x"))
                .build()),
        400,
        "invalid_type");
  }

  /** A publish's 201 body as the node must answer it, every field and nothing else. */
  private static JsonNode accepted(String id, String topic, String key, String... flags) {
    ObjectNode body = JSON.createObjectNode().put("id", id).put("topic", topic);
    for (String flag : flags) {
      body.put(flag, true);
    }
    return body.put("idempotencyKey", key);
  }

  private Http.Answer publishKeyed(String topic, String data, String key) throws Exception {
    return Http.send(
        Http.auth(HttpRequest.newBuilder(node.http("/topics/" + topic + "/events")), TOKEN)
            .header("Crier-Idempotency-Key", key)
            .POST(HttpRequest.BodyPublishers.ofString(data))
            .build());
  }

  private static List<String> field(JsonNode events, String name) {
    List<String> out = new ArrayList<>();
    events.forEach(e -> out.add(e.get(name).asText()));
    return out;
  }

  @Test
  void repeatedIdempotencyKeyYieldsTheFirstIdAndOneEvent() throws Exception {
    String topic = topic();
    try (SseClient stream = SseClient.open(node.http("/events/" + topic), TOKEN)) {
      Http.Answer first = publishKeyed(topic, "paid", "order-42");
      assertEquals(201, first.status(), first.raw().body());
      String id = first.json().get("id").asText();
      assertEquals(accepted(id, topic, "order-42"), first.json(), "the first is no duplicate");
      Http.Answer repeat = publishKeyed(topic, "paid again", "order-42");
      assertEquals(201, repeat.status(), repeat.raw().body());
      assertEquals(accepted(id, topic, "order-42", "duplicate"), repeat.json());
      Http.Answer viaBatch =
          Http.postJson(
              node.http("/publish"),
              "{\"topic\":\"" + topic + "\",\"data\":\"again\",\"idempotencyKey\":\"order-42\"}",
              TOKEN);
      assertEquals(201, viaBatch.status(), viaBatch.raw().body());
      assertEquals(accepted(id, topic, "order-42", "duplicate"), viaBatch.json());
      String end = Http.publish(node, topic, "end", TOKEN).json().get("id").asText();
      // Events of a topic arrive in order: a second "paid" would come before "end".
      List<SseEvent> seen = stream.next(2, WAIT);
      assertEquals(List.of("paid", "end"), seen.stream().map(SseEvent::data).toList());
      assertEquals(List.of(id, end), seen.stream().map(SseEvent::lastEventId).toList());
      JsonNode events = history(topic, "").get("events");
      assertEquals(List.of(id, end), field(events, "id"));
      assertEquals(List.of("paid", "end"), field(events, "data"));
    }
  }

  @Test
  void aKeyRepeatedAfterTheDedupeWindowIsANewEvent() throws Exception {
    try (TestNode shortWindow = TestNode.start("crier.publish.dedupe-window = 2s")) {
      String topic = topic();
      URI events = shortWindow.http("/topics/" + topic + "/events");
      HttpRequest keyed =
          Http.auth(HttpRequest.newBuilder(events), TOKEN)
              .header("Crier-Idempotency-Key", "k")
              .POST(HttpRequest.BodyPublishers.ofString("x"))
              .build();
      Http.Answer first = Http.send(keyed);
      assertEquals(201, first.status(), first.raw().body());
      String id = first.json().get("id").asText();
      long rememberedAt =
          Http.get(events, TOKEN).json().get("events").get(0).get("publishedAt").asLong();
      Http.Answer within = Http.send(keyed);
      assertTrue(
          System.currentTimeMillis() < rememberedAt + 2000,
          "the repeat was meant to be sent within the window");
      assertEquals(accepted(id, topic, "k", "duplicate"), within.json());
      // The owner forgets the key once its clock is past the first event's time plus the window:
      // the repeats are duplicates until then, and the first one that is not is answered after it.
      Http.Answer[] repeat = new Http.Answer[1];
      long[] answeredAt = new long[1];
      Await.until(
          Duration.ofSeconds(10),
          () -> {
            repeat[0] = Http.send(keyed);
            answeredAt[0] = System.currentTimeMillis();
            return !repeat[0].json().has("duplicate");
          },
          () -> "the key was never forgotten: " + repeat[0].raw().body());
      assertTrue(
          answeredAt[0] >= rememberedAt + 2000,
          "forgotten " + (rememberedAt + 2000 - answeredAt[0]) + " ms before the window ended");
      Http.Answer after = repeat[0];
      assertEquals(201, after.status(), after.raw().body());
      String second = after.json().get("id").asText();
      assertNotEquals(id, second);
      assertEquals(accepted(second, topic, "k"), after.json(), "no duplicate after the window");
      assertEquals(List.of(id, second), field(Http.get(events, TOKEN).json().get("events"), "id"));
    }
  }

  @Test
  void aBatchOfExactlyMaxBatchEventsIsAcceptedAndOneMoreStoresNothing() throws Exception {
    String topic = topic();
    List<String> max = numbers(1, MAX_BATCH_EVENTS);
    Http.Answer full = Http.publishBatch(node.http("/publish"), topic, max, TOKEN);
    assertEquals(201, full.status(), full.raw().body());
    assertEquals(MAX_BATCH_EVENTS, full.json().size());
    assertEquals(max, field(history(topic, "").get("events"), "data"));

    String other = topic();
    Http.Answer tooMany =
        Http.publishBatch(node.http("/publish"), other, numbers(1, MAX_BATCH_EVENTS + 1), TOKEN);
    assertError(tooMany, 400, "invalid_batch");
    assertEquals(
        "a batch holds 1 to " + MAX_BATCH_EVENTS + " events, got " + (MAX_BATCH_EVENTS + 1),
        tooMany.json().get("message").asText());
    JsonNode untouched = history(other, "");
    assertEquals(0, untouched.get("events").size(), "nothing of a refused batch is stored");
  }

  private static List<String> numbers(int from, int to) {
    List<String> out = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      out.add(Integer.toString(i));
    }
    return out;
  }

  private Http.Answer schedule(String topic, String data, long deliverAt) throws Exception {
    return Http.send(
        Http.auth(HttpRequest.newBuilder(node.http("/topics/" + topic + "/events")), TOKEN)
            .header("Crier-Deliver-At", Long.toString(deliverAt))
            .POST(HttpRequest.BodyPublishers.ofString(data))
            .build());
  }

  @Test
  void scheduledEventsArriveWhenDueNotBeforeAndCanBeCancelled() throws Exception {
    String topic = topic();
    try (SseClient client = SseClient.open(node.http("/events/" + topic), TOKEN)) {
      long due = System.currentTimeMillis() + 2000;
      Http.Answer scheduled = schedule(topic, "later", due);
      assertEquals(201, scheduled.status(), scheduled.raw().body());
      String laterId = scheduled.json().get("id").asText();
      assertTrue(laterId.startsWith("s"), laterId);
      assertEquals(
          accepted(laterId, topic, scheduled.json().get("idempotencyKey").asText(), "scheduled"),
          scheduled.json());
      // Due before "later": were the cancel lost, it would be the first event to arrive.
      Http.Answer cancelled =
          Http.postJson(
              node.http("/publish"),
              "{\"topic\":\"" + topic + "\",\"data\":\"never\",\"deliverAt\":" + (due - 500) + "}",
              TOKEN);
      String neverId = cancelled.json().get("id").asText();
      assertEquals(204, delete(topic, neverId).status());
      assertEquals(0, history(topic, "").get("events").size(), "not in history before it is due");
      assertTrue(System.currentTimeMillis() < due, "history was meant to be read before due");

      SseEvent later = client.next(WAIT);
      // Wall-clock time of its arrival: the node and this test share the machine's clock.
      long arrivedAt =
          System.currentTimeMillis()
              - (System.nanoTime() - client.arrivalNanos().get(0)) / 1_000_000;
      assertEquals("later", later.data());
      assertTrue(arrivedAt >= due, "arrived " + (due - arrivedAt) + " ms before it was due");
      JsonNode kept = history(topic, "").get("events");
      assertEquals(List.of("later"), field(kept, "data"));
      long publishedAt = kept.get(0).get("publishedAt").asLong();
      assertTrue(publishedAt >= due, "sequenced " + (due - publishedAt) + " ms before due");
      assertEquals(later.lastEventId(), kept.get(0).get("id").asText());

      Http.publish(node, topic, "marker", TOKEN);
      assertEquals("marker", client.next(WAIT).data(), "the cancelled one never comes");
      assertError(delete(topic, laterId), 409, "already_delivered");
      assertError(delete(topic, neverId), 404, "unknown_event");
      String cursor = history(topic, "").get("lastId").asText();
      assertError(delete(topic, cursor), 409, "not_scheduled");
    }
    assertError(
        Http.send(
            Http.auth(HttpRequest.newBuilder(node.http("/topics/" + topic + "/events")), TOKEN)
                .header("Crier-Deliver-At", "tomorrow")
                .POST(HttpRequest.BodyPublishers.ofString("x"))
                .build()),
        400,
        "invalid_deliver_at");
    String readOnly = TestNode.token(List.of("*"), List.of());
    assertEquals(403, delete(topic, "s1-1", readOnly).status());
  }

  @Test
  void aDeliverAtInEpochSecondsIsRefusedNotSentAtOnce() throws Exception {
    String topic = "seconds/" + java.util.UUID.randomUUID();
    long inAMinuteInSeconds = System.currentTimeMillis() / 1000 + 60;
    Http.Answer header = schedule(topic, "meant for later", inAMinuteInSeconds);
    assertEquals(400, header.status(), header.raw().body());
    assertEquals("invalid_deliver_at", header.json().get("error").asText());
    assertTrue(header.json().get("message").asText().contains("not seconds"), header.raw().body());
    Http.Answer json =
        Http.postJson(
            node.http("/publish"),
            "{\"topic\":\"" + topic + "\",\"data\":1,\"deliverAt\":" + inAMinuteInSeconds + "}",
            TOKEN);
    assertEquals(400, json.status(), json.raw().body());
    assertEquals("invalid_deliver_at", json.json().get("error").asText());
    Http.Answer history = Http.get(node.http("/topics/" + topic + "/events"), TOKEN);
    assertEquals(0, history.json().get("events").size(), "nothing was sent at once");
  }

  @Test
  void deliverAtIsBoundedByMaxScheduleAhead() throws Exception {
    String topic = topic();
    long bound = MAX_SCHEDULE_AHEAD.toMillis();
    // 10 s either side of the bound: far more than a request takes, far less than the bound.
    Http.Answer inside = schedule(topic, "inside", System.currentTimeMillis() + bound - 10_000);
    assertEquals(201, inside.status(), inside.raw().body());
    assertTrue(inside.json().get("scheduled").asBoolean());
    assertError(
        schedule(topic, "beyond", System.currentTimeMillis() + bound + 10_000),
        400,
        "invalid_deliver_at");
    Http.Answer insideJson =
        Http.postJson(
            node.http("/publish"),
            "{\"topic\":\""
                + topic
                + "\",\"data\":1,\"deliverAt\":"
                + (System.currentTimeMillis() + bound - 10_000)
                + "}",
            TOKEN);
    assertEquals(201, insideJson.status(), insideJson.raw().body());
    assertError(
        Http.postJson(
            node.http("/publish"),
            "{\"topic\":\""
                + topic
                + "\",\"data\":1,\"deliverAt\":"
                + (System.currentTimeMillis() + bound + 10_000)
                + "}",
            TOKEN),
        400,
        "invalid_deliver_at");
    assertError(schedule(topic, "negative", -1), 400, "invalid_deliver_at");
    assertEquals(204, delete(topic, inside.json().get("id").asText()).status());
    assertEquals(204, delete(topic, insideJson.json().get("id").asText()).status());
    assertEquals(0, history(topic, "").get("events").size());
  }

  @Test
  void aTopicHoldsAtMostMaxScheduledAndRefusesMoreWithRetryAfter() throws Exception {
    String topic = topic();
    long due = System.currentTimeMillis() + 600_000;
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < MAX_SCHEDULED; i++) {
      Http.Answer a = schedule(topic, "s" + i, due);
      assertEquals(201, a.status(), a.raw().body());
      ids.add(a.json().get("id").asText());
    }
    Http.Answer full = schedule(topic, "one too many", due);
    assertError(full, 503, "scheduled_limit");
    assertEquals("60", full.raw().headers().firstValue("Retry-After").orElse(""));
    assertEquals(
        "topic " + topic + " holds " + MAX_SCHEDULED + " scheduled events",
        full.json().get("message").asText());
    // Refused whole: the batch's immediate event is not stored either.
    Http.Answer mixed =
        Http.postJson(
            node.http("/publish"),
            "[{\"topic\":\""
                + topic
                + "\",\"data\":\"now\"},{\"topic\":\""
                + topic
                + "\",\"data\":\"later\",\"deliverAt\":"
                + due
                + "}]",
            TOKEN);
    assertError(mixed, 503, "scheduled_limit");
    assertEquals(0, history(topic, "").get("events").size(), "a refused publish stored an event");
    assertEquals(201, Http.publish(node, topic, "unscheduled", TOKEN).status(), "no limit on now");

    assertEquals(204, delete(topic, ids.get(0)).status());
    assertEquals(201, schedule(topic, "in the freed place", due).status());
    assertError(schedule(topic, "full again", due), 503, "scheduled_limit");
    String other = topic();
    assertEquals(201, schedule(other, "another topic", due).status(), "the limit is per topic");
  }

  /**
   * A node that cannot reach its seed node has no shard coordinator, so no topic's owner can start:
   * every ask of an owner times out, deterministically (a timeout racing a live owner would not).
   */
  @Test
  void anOwnerThatDoesNotAnswerInTimeIs503ForReadsAnd504ForPublishes() throws Exception {
    try (TestNode hasty =
        TestNode.startUnready(
            "crier.publish.timeout = 100ms\n"
                + "pekko.cluster.seed-nodes = [\"pekko://crier@127.0.0.1:9\"]\n")) {
      Http.Answer read = Http.get(hasty.http("/topics/" + topic() + "/events"), TOKEN);
      assertError(read, 503, "owner_unavailable");
      assertEquals("1", read.raw().headers().firstValue("Retry-After").orElse(""));

      Http.Answer cancel =
          Http.send(
              Http.auth(
                      HttpRequest.newBuilder(hasty.http("/topics/" + topic() + "/events/s1-1")),
                      TOKEN)
                  .DELETE()
                  .build());
      assertError(cancel, 503, "owner_unavailable");
      assertEquals("1", cancel.raw().headers().firstValue("Retry-After").orElse(""));

      // Head and body in one write: the node has the whole body at once, so only the owner can
      // be late. The owner may have stored it: not "unavailable" (nothing stored) but "unknown".
      String publish = rawPost(hasty, topic(), "retry-me", "x", false);
      assertTrue(publish.startsWith("HTTP/1.1 504 "), publish);
      assertTrue(publish.contains("\r\nRetry-After: 1\r\n"), publish);
      JsonNode unknown = JSON.readTree(publish.substring(publish.indexOf("\r\n\r\n") + 4));
      assertEquals("outcome_unknown", unknown.get("error").asText());
      assertTrue(unknown.get("message").asText().contains("[retry-me]"), publish);

      // A body that comes later than the timeout is the client's delay, not the owner's.
      String slow = rawPost(hasty, topic(), "slow", "x", true);
      assertTrue(slow.startsWith("HTTP/1.1 408 "), slow);
      JsonNode late = JSON.readTree(slow.substring(slow.indexOf("\r\n\r\n") + 4));
      assertEquals("request_timeout", late.get("error").asText());
    }
  }

  /**
   * {@code POST /topics/{topic}/events} over a plain socket, the whole request in one write or,
   * with {@code bodyLater}, the body only after a pause; returns the whole answer as text.
   */
  private static String rawPost(
      TestNode to, String topic, String key, String body, boolean bodyLater) throws Exception {
    URI uri = to.http("/topics/" + topic + "/events");
    String head =
        "POST "
            + uri.getRawPath()
            + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
            + TOKEN
            + "\r\nCrier-Idempotency-Key: "
            + key
            + "\r\nContent-Length: "
            + body.length()
            + "\r\nConnection: close\r\n\r\n";
    try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
      socket.setSoTimeout((int) WAIT.toMillis());
      OutputStream out = socket.getOutputStream();
      if (bodyLater) {
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        Thread.sleep(300);
        out.write(body.getBytes(StandardCharsets.US_ASCII));
      } else {
        out.write((head + body).getBytes(StandardCharsets.US_ASCII));
      }
      out.flush();
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private Http.Answer delete(String topic, String id) throws Exception {
    return delete(topic, id, TOKEN);
  }

  private Http.Answer delete(String topic, String id, String token) throws Exception {
    return Http.send(
        Http.auth(HttpRequest.newBuilder(node.http("/topics/" + topic + "/events/" + id)), token)
            .DELETE()
            .build());
  }

  /**
   * A topic is the whole path between {@code /topics/} and its {@code /events} suffix: slashes,
   * escaped slashes and even a segment named {@code events} belong to it.
   */
  @Test
  void aTopicInThePathMayHoldSlashesAndTheWordEvents() throws Exception {
    String topic = topic() + "/events";
    Http.Answer published = Http.publish(node, topic, "in", TOKEN);
    assertEquals(201, published.status(), published.raw().body());
    assertEquals(topic, published.json().get("topic").asText());
    assertEquals(topic, history(topic, "").get("topic").asText());
    assertEquals(List.of("in"), field(history(topic, "").get("events"), "data"));
    Http.Answer unknown = delete(topic, "s1-1");
    assertError(unknown, 404, "unknown_event");
    assertEquals(
        "no scheduled event s1-1 on topic " + topic, unknown.json().get("message").asText());

    String prefix = topic();
    Http.Answer escaped = Http.publish(node, prefix + "%2Fx", "in", TOKEN);
    assertEquals(201, escaped.status(), escaped.raw().body());
    assertEquals(prefix + "/x", escaped.json().get("topic").asText());
    assertEquals(List.of("in"), field(history(prefix + "/x", "").get("events"), "data"));

    assertError(Http.get(node.http("/topics//events"), TOKEN), 404, "not_found");
    assertError(Http.get(node.http("/topics/events"), TOKEN), 404, "not_found");
    assertError(Http.get(node.http("/topics/" + prefix + "/eventsx"), TOKEN), 404, "not_found");
    // Both /topics/{topic}/events (topic t/events) and .../events/{id} (id "events"): the first.
    assertError(delete(prefix, "events"), 405, "method_not_allowed");
  }

  /** Clients and docs read these bodies in this order; JsonNode equality would not notice. */
  @Test
  void answersKeepTheirFieldOrder() throws Exception {
    String topic = topic();
    Http.Answer plain = Http.publish(node, topic, "one", TOKEN);
    assertEquals(List.of("id", "topic", "idempotencyKey"), fieldList(plain.json()));
    publishKeyed(topic, "two", "k");
    Http.Answer duplicate = publishKeyed(topic, "two", "k");
    assertEquals(
        List.of("id", "topic", "duplicate", "idempotencyKey"), fieldList(duplicate.json()));
    Http.Answer scheduled = schedule(topic, "later", System.currentTimeMillis() + 60_000);
    assertEquals(
        List.of("id", "topic", "scheduled", "idempotencyKey"), fieldList(scheduled.json()));
    Http.Answer typed =
        Http.send(
            Http.auth(HttpRequest.newBuilder(node.http("/topics/" + topic + "/events")), TOKEN)
                .header("Crier-Event-Type", "note")
                .POST(HttpRequest.BodyPublishers.ofString("three"))
                .build());
    assertEquals(201, typed.status(), typed.raw().body());
    JsonNode page = history(topic, "");
    assertEquals(List.of("topic", "events", "lastId", "reset"), fieldList(page));
    assertEquals(List.of("id", "data", "publishedAt"), fieldList(page.get("events").get(0)));
    assertEquals(
        List.of("id", "type", "data", "publishedAt"), fieldList(page.get("events").get(2)));
    Http.Answer refused = Http.get(node.http("/topics/" + topic + "/events?limit=0"), TOKEN);
    assertEquals(List.of("error", "message"), fieldList(refused.json()));
    assertEquals(
        "{\"error\":\"invalid_limit\",\"message\":\"limit must be a whole number >= 1\"}",
        refused.raw().body());
  }

  private static List<String> fieldList(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  @Test
  void unknownRoutesAnswerJson() throws Exception {
    assertError(Http.get(node.http("/nope"), TOKEN), 404, "not_found");
  }

  @Test
  void historyAnswersTheNewestHundredByDefaultAnExplicitLimitAndAllItKeepsAtMost()
      throws Exception {
    String topic = topic();
    List<String> ids = publishOneTo160(topic);
    // 160 published, the newest MAX_HISTORY (11..160) kept.
    JsonNode newest = history(topic, "");
    assertEquals(numbers(61, 160), field(newest.get("events"), "data"), "default limit 100");
    assertEquals(ids.subList(60, 160), field(newest.get("events"), "id"));
    assertEquals(Set.of("topic", "events", "lastId", "reset"), fieldNames(newest));
    assertEquals(Set.of("id", "data", "publishedAt"), fieldNames(newest.get("events").get(0)));
    assertEquals(topic, newest.get("topic").asText());
    assertEquals(ids.get(159), newest.get("lastId").asText());
    assertFalse(newest.get("reset").asBoolean());
    assertEquals(numbers(154, 160), field(history(topic, "?limit=7").get("events"), "data"));
    assertEquals(
        numbers(160 - MAX_HISTORY + 1, 160),
        field(history(topic, "?limit=" + Integer.MAX_VALUE).get("events"), "data"),
        "a limit beyond what is kept answers all that is kept");
    assertError(
        Http.get(node.http("/topics/" + topic + "/events?limit=2147483648"), TOKEN),
        400,
        "invalid_limit");

    JsonNode continuous = history(topic, "?after=" + ids.get(9) + "&limit=3");
    assertEquals(List.of("11", "12", "13"), field(continuous.get("events"), "data"));
    assertFalse(continuous.get("reset").asBoolean(), "after the newest dropped event: no loss");
    JsonNode atHead = history(topic, "?after=" + ids.get(159));
    assertEquals(0, atHead.get("events").size());
    assertFalse(atHead.get("reset").asBoolean());
  }

  @Test
  void aCursorOlderThanHistoryAnswersResetWithTheOldestKept() throws Exception {
    String topic = topic();
    List<String> ids = publishOneTo160(topic);
    JsonNode reset = history(topic, "?after=" + ids.get(8) + "&limit=2");
    JsonNode kept = history(topic, "?limit=" + MAX_HISTORY).get("events");
    ObjectNode expected = JSON.createObjectNode().put("topic", topic);
    expected.putArray("events").add(kept.get(0)).add(kept.get(1));
    expected.put("lastId", ids.get(159)).put("reset", true);
    assertEquals(expected, reset, "event 10 was dropped: continuity lost");
    assertEquals(List.of(ids.get(10), ids.get(11)), field(reset.get("events"), "id"));
  }

  /** Publishes the data "1" … "160" in two batches (more than history keeps); returns the ids. */
  private List<String> publishOneTo160(String topic) throws Exception {
    List<String> ids = new ArrayList<>();
    for (int batch = 0; batch < 2; batch++) {
      Http.Answer a =
          Http.publishBatch(
              node.http("/publish"), topic, numbers(batch * 80 + 1, batch * 80 + 80), TOKEN);
      assertEquals(201, a.status(), a.raw().body());
      ids.addAll(field(a.json(), "id"));
    }
    return ids;
  }

  private static Set<String> fieldNames(JsonNode object) {
    Set<String> names = new HashSet<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  /** Each public route with the methods it serves. */
  private static final Map<String, String> ROUTES =
      Map.of(
          "/events/m",
          "GET",
          "/events?topic=m",
          "GET",
          "/publish",
          "POST",
          "/topics/m/events",
          "POST,GET",
          "/topics/m/events/s1-1",
          "DELETE");

  @Test
  void everyPublicRouteAnswers405WithAllowForOtherMethods() throws Exception {
    for (Map.Entry<String, String> route : ROUTES.entrySet()) {
      Set<String> allowed = Set.of(route.getValue().split(","));
      for (String method : List.of("GET", "POST", "PUT", "DELETE", "PATCH")) {
        if (allowed.contains(method)) {
          continue;
        }
        Http.Answer a =
            Http.send(
                Http.auth(HttpRequest.newBuilder(node.http(route.getKey())), TOKEN)
                    .method(method, HttpRequest.BodyPublishers.ofString("x"))
                    .build());
        String where = method + " " + route.getKey();
        assertEquals(405, a.status(), where + ": " + a.raw().body());
        assertEquals("method_not_allowed", a.json().get("error").asText(), where);
        assertEquals(
            allowed,
            Set.of(a.raw().headers().firstValue("Allow").orElse("").split(", *")),
            where + ": Allow");
      }
    }
  }
}

package dev.crier.node.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crier.node.support.Http;
import dev.crier.node.support.TestNode;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PublishRoutesTest {
  private static final String TOKEN = TestNode.allAccess();
  private TestNode node;

  @BeforeAll
  void start() {
    node = TestNode.start("crier.publish.max-bytes = 1 KiB\ncrier.publish.max-batch-bytes = 8 KiB");
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

  @Test
  void repeatedIdempotencyKeyYieldsTheFirstIdAndOneEvent() throws Exception {
    String topic = topic();
    HttpRequest.Builder request =
        Http.auth(HttpRequest.newBuilder(node.http("/topics/" + topic + "/events")), TOKEN)
            .header("Crier-Idempotency-Key", "order-42")
            .POST(HttpRequest.BodyPublishers.ofString("paid"));
    Http.Answer first = Http.send(request.build());
    Http.Answer second = Http.send(request.build());
    assertEquals(201, first.status());
    assertEquals(201, second.status());
    assertEquals(first.json().get("id").asText(), second.json().get("id").asText());
    Http.Answer viaBatch =
        Http.postJson(
            node.http("/publish"),
            "{\"topic\":\"" + topic + "\",\"data\":\"again\",\"idempotencyKey\":\"order-42\"}",
            TOKEN);
    assertEquals(first.json().get("id").asText(), viaBatch.json().get("id").asText());
    assertEquals(1, history(topic, "").get("events").size());
  }

  @Test
  void scheduledEventsArriveWhenDueAndCanBeCancelled() throws Exception {
    String topic = topic();
    long soon = System.currentTimeMillis() + 700;
    try (dev.crier.node.support.SseClient client =
        dev.crier.node.support.SseClient.open(node.http("/events/" + topic), TOKEN)) {
      Http.Answer scheduled =
          Http.send(
              Http.auth(HttpRequest.newBuilder(node.http("/topics/" + topic + "/events")), TOKEN)
                  .header("Crier-Deliver-At", Long.toString(soon))
                  .POST(HttpRequest.BodyPublishers.ofString("later"))
                  .build());
      assertEquals(201, scheduled.status(), scheduled.raw().body());
      assertTrue(scheduled.json().get("scheduled").asBoolean());
      String laterId = scheduled.json().get("id").asText();
      Http.Answer cancelled =
          Http.postJson(
              node.http("/publish"),
              "{\"topic\":\"" + topic + "\",\"data\":\"never\",\"deliverAt\":" + soon + "}",
              TOKEN);
      String neverId = cancelled.json().get("id").asText();
      assertEquals(204, delete(topic, neverId).status());
      assertEquals(0, history(topic, "").get("events").size(), "not before it is due");
      assertTrue(client.quietFor(java.time.Duration.ofMillis(300)));
      assertEquals("later", client.next(java.time.Duration.ofSeconds(5)).data());
      assertTrue(
          client.quietFor(java.time.Duration.ofMillis(700)), "the cancelled one never comes");
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
    assertError(
        Http.postJson(
            node.http("/publish"),
            "{\"topic\":\"" + topic + "\",\"data\":1,\"deliverAt\":" + Long.MAX_VALUE + "}",
            TOKEN),
        400,
        "invalid_deliver_at");
    String readOnly = TestNode.token(List.of("*"), List.of());
    assertEquals(403, delete(topic, "s1-1", readOnly).status());
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

  @Test
  void unknownRoutesAnswerJson() throws Exception {
    assertError(Http.get(node.http("/nope"), TOKEN), 404, "not_found");
  }
}

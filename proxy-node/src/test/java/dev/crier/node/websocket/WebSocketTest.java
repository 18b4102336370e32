package dev.crier.node.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crier.node.auth.TokenMinter;
import dev.crier.node.support.Await;
import dev.crier.node.support.Http;
import dev.crier.node.support.TestNode;
import dev.crier.node.support.WsClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /ws} against a real node with the JDK's WebSocket client: subscribe, live delivery,
 * replay, resume by cursor, publish over the socket, every error frame, authentication before and
 * after the upgrade, revocation, and at-least-once delivery with acks.
 */
class WebSocketTest {
  private static final int WINDOW = 20;
  private static final String ALL = TestNode.allAccess();
  private static TestNode node;

  @BeforeAll
  static void start() {
    node =
        TestNode.start(
            "crier.websocket.auth-timeout = 1s\ncrier.websocket.unacked-events = "
                + WINDOW
                + "\ncrier.auth.signing.secret = \""
                + TestNode.SECRET
                + "\"\n");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static URI ws(String query) {
    return URI.create(node.http("/ws" + query).toString().replace("http:", "ws:"));
  }

  private static String topic() {
    return "ws/" + UUID.randomUUID();
  }

  private static String publish(String topic, String data) throws Exception {
    Http.Answer answer = Http.publish(node, topic, data, ALL);
    assertEquals(201, answer.status(), answer.raw().body());
    return answer.json().get("id").asText();
  }

  private static JsonNode subscribe(WsClient client, String frame) throws Exception {
    client.send(frame);
    JsonNode answer = client.next();
    assertTrue(answer.has("subscribed"), answer.toString());
    return answer;
  }

  @Test
  void liveEventsCarryTheirTopicAndJsonDataStaysJson() throws Exception {
    String a = topic();
    String b = topic();
    try (WsClient client = WsClient.open(ws(""), ALL)) {
      JsonNode subscribed =
          subscribe(client, "{\"subscribe\":[\"" + a + "\",\"" + b + "\"],\"ref\":\"s\"}");
      assertEquals("s", subscribed.get("ref").asText());
      assertFalse(subscribed.get("ack").asBoolean());
      assertTrue(subscribed.get("id").asText().contains("~"), "a cursor over both topics");
      Http.Answer json =
          Http.postJson(
              node.http("/publish"),
              "{\"topic\":\"" + a + "\",\"type\":\"order\",\"data\":{\"n\":1,\"s\":\"x\"}}",
              ALL);
      assertEquals(201, json.status());
      publish(b, "plain \"text\"\nover two lines");
      List<JsonNode> events = client.events(2);
      assertEquals(a, events.get(0).get("topic").asText());
      assertEquals("order", events.get(0).get("type").asText());
      assertEquals(1, events.get(0).get("data").get("n").asInt(), "JSON data stays JSON");
      assertEquals(b, events.get(1).get("topic").asText());
      assertEquals("message", events.get(1).get("type").asText());
      assertEquals("plain \"text\"\nover two lines", events.get(1).get("data").asText());
      assertTrue(events.get(1).get("id").asText().contains("~"));
    }
  }

  @Test
  void replayAndResumeByCursor() throws Exception {
    String t = topic();
    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      ids.add(publish(t, "e" + i));
    }
    try (WsClient client = WsClient.open(ws(""), ALL)) {
      subscribe(client, "{\"subscribe\":[\"" + t + "\"],\"replay\":2}");
      List<JsonNode> replayed = client.events(2);
      assertEquals("e4", replayed.get(0).get("data").asText());
      assertEquals(ids.get(4), replayed.get(1).get("id").asText());
    }
    try (WsClient client = WsClient.open(ws(""), ALL)) {
      subscribe(client, "{\"subscribe\":[\"" + t + "\"],\"lastEventId\":\"" + ids.get(2) + "\"}");
      List<JsonNode> resumed = client.events(2);
      assertEquals("e4", resumed.get(0).get("data").asText());
      assertEquals("e5", resumed.get(1).get("data").asText());
      publish(t, "e6");
      assertEquals("e6", client.events(1).get(0).get("data").asText());
      assertNull(client.poll(Duration.ofMillis(300)), "nothing twice");
    }
  }

  @Test
  void publishOverTheSocket() throws Exception {
    String t = topic();
    String subscribeOnly = TestNode.token(List.of("*"), List.of());
    try (WsClient reader = WsClient.open(ws(""), ALL);
        WsClient writer = WsClient.open(ws(""), ALL);
        WsClient notAllowed = WsClient.open(ws(""), subscribeOnly)) {
      subscribe(reader, "{\"subscribe\":[\"" + t + "\"]}");
      writer.send(
          "{\"publish\":{\"topic\":\""
              + t
              + "\",\"data\":{\"k\":2},\"idempotencyKey\":\"k1\"},"
              + "\"ref\":7}");
      JsonNode published = writer.next();
      assertEquals("7", published.get("ref").asText());
      assertEquals(t, published.get("published").get("topic").asText());
      assertEquals("k1", published.get("published").get("idempotencyKey").asText());
      JsonNode event = reader.events(1).get(0);
      assertEquals(published.get("published").get("id").asText(), event.get("id").asText());
      assertEquals(2, event.get("data").get("k").asInt());

      writer.send(
          "{\"publish\":[{\"topic\":\""
              + t
              + "\",\"data\":\"x\"},"
              + "{\"topic\":\""
              + t
              + "\",\"data\":\"y\"}],\"ref\":\"b\"}");
      JsonNode batch = writer.next();
      assertEquals(2, batch.get("published").size(), batch.toString());

      writer.send("{\"publish\":{\"topic\":\"" + t + "\"},\"ref\":\"bad\"}");
      JsonNode invalid = writer.next();
      assertEquals("invalid_event", invalid.get("error").asText());
      assertEquals(400, invalid.get("status").asInt());
      assertEquals("bad", invalid.get("ref").asText());

      notAllowed.send("{\"publish\":{\"topic\":\"" + t + "\",\"data\":1},\"ref\":\"f\"}");
      JsonNode forbidden = notAllowed.next();
      assertEquals("forbidden", forbidden.get("error").asText(), forbidden.toString());
      assertEquals(403, forbidden.get("status").asInt());
      assertEquals("f", forbidden.get("ref").asText());
    }
  }

  @Test
  void aSocketWithoutATokenAuthenticatesWithItsFirstFrame() throws Exception {
    String t = topic();
    try (WsClient client = WsClient.open(ws(""), (String) null)) {
      client.send("{\"auth\":\"" + ALL + "\",\"ref\":\"a\"}");
      JsonNode authenticated = client.next();
      assertTrue(authenticated.get("authenticated").asBoolean(), authenticated.toString());
      assertEquals("a", authenticated.get("ref").asText());
      assertError(client, "{\"auth\":\"" + ALL + "\"}", "already_authenticated", null);
      subscribe(client, "{\"subscribe\":[\"" + t + "\"]}");
      publish(t, "after auth");
      assertEquals("after auth", client.events(1).get(0).get("data").asText());
    }
    try (WsClient client = WsClient.open(ws("?access_token=" + ALL), (String) null)) {
      subscribe(client, "{\"subscribe\":[\"" + t + "\"],\"replay\":1}");
      assertEquals("after auth", client.events(1).get(0).get("data").asText());
    }
  }

  @Test
  void authFailuresBeforeAndAfterTheUpgrade() throws Exception {
    WsClient.Refused refused =
        assertThrows(WsClient.Refused.class, () -> WsClient.open(ws(""), "not-a-jwt"));
    assertEquals(401, refused.status);

    try (WsClient client = WsClient.open(ws(""), (String) null)) {
      client.send("{\"auth\":\"not-a-jwt\"}");
      assertEquals("unauthorized", client.next().get("error").asText());
      assertEquals(4401, client.closeCode());
    }
    try (WsClient client = WsClient.open(ws(""), (String) null)) {
      client.send("{\"subscribe\":[\"a\"],\"ref\":\"early\"}");
      JsonNode error = client.next();
      assertEquals("unauthorized", error.get("error").asText());
      assertEquals("early", error.get("ref").asText());
      assertEquals(4401, client.closeCode());
    }
    try (WsClient client = WsClient.open(ws(""), (String) null)) {
      assertEquals("auth_timeout", client.next().get("error").asText());
      assertEquals(4408, client.closeCode(), "nothing valid within crier.websocket.auth-timeout");
    }
  }

  @Test
  void theCookieIsTakenOnlyFromTheNodesOwnOriginOrOneCorsAllows() throws Exception {
    String cookie = "crier_token=" + ALL;
    WsClient.Refused foreign =
        assertThrows(
            WsClient.Refused.class,
            () ->
                WsClient.open(ws(""), Map.of("Cookie", cookie, "Origin", "https://evil.example")));
    assertEquals(403, foreign.status, "another site's page may not use a visitor's cookie");
    String own = "http://127.0.0.1:" + node.http("/").getPort();
    try (WsClient client = WsClient.open(ws(""), Map.of("Cookie", cookie, "Origin", own))) {
      subscribe(client, "{\"subscribe\":[\"" + topic() + "\"]}");
    }
  }

  @Test
  void everyMistakeIsAnErrorFrameAndTheSocketStaysOpen() throws Exception {
    String granted = TestNode.token(List.of("mine/*"), List.of());
    try (WsClient client = WsClient.open(ws(""), granted)) {
      assertError(client, "not json", "invalid_frame", null);
      assertError(client, "[1]", "invalid_frame", null);
      assertError(client, "{\"ref\":\"r\"}", "invalid_frame", "r");
      assertError(client, "{\"ping\":1,\"ack\":\"x\",\"ref\":\"two\"}", "invalid_frame", "two");
      assertError(
          client, "{\"subscribe\":[\"mine/a\"],\"bogus\":1,\"ref\":3}", "invalid_frame", "3");
      assertError(client, "{\"subscribe\":[\"bad topic\"],\"ref\":\"t\"}", "invalid_topic", "t");
      assertError(client, "{\"subscribe\":[],\"ref\":\"e\"}", "missing_topic", "e");
      StringBuilder many = new StringBuilder("{\"subscribe\":[");
      for (int i = 0; i < 33; i++) {
        many.append(i == 0 ? "" : ",").append("\"mine/").append(i).append('"');
      }
      assertError(client, many.append("]}").toString(), "too_many_topics", null);
      assertError(client, "{\"subscribe\":[\"theirs\"],\"ref\":\"f\"}", "forbidden", "f");
      assertError(
          client, "{\"subscribe\":[\"mine/a\"],\"lastEventId\":\"zz\"}", "invalid_cursor", null);
      assertError(client, "{\"subscribe\":[\"mine/a\"],\"replay\":-1}", "invalid_replay", null);
      assertError(client, "{\"unsubscribe\":true,\"ref\":\"u\"}", "not_subscribed", "u");
      assertError(client, "{\"ack\":\"x\"}", "invalid_ack", null);
      client.sendBinary(new byte[] {1, 2, 3});
      assertEquals("invalid_frame", client.next().get("error").asText());

      subscribe(client, "{\"subscribe\":[\"mine/a\"]}");
      assertError(
          client, "{\"subscribe\":[\"mine/b\"],\"ref\":\"twice\"}", "already_subscribed", "twice");
      assertError(client, "{\"ack\":\"mx-1\"}", "invalid_ack", null);
      client.send("{\"ping\":{\"t\":42},\"ref\":\"p\"}");
      JsonNode pong = client.next();
      assertEquals(42, pong.get("pong").get("t").asInt());
      assertEquals("p", pong.get("ref").asText());
      client.send("{\"unsubscribe\":true,\"ref\":\"u\"}");
      assertEquals("u", client.next().get("ref").asText());
      subscribe(client, "{\"subscribe\":[\"mine/b\"]}");
      assertFalse(client.isClosed());
    }
  }

  private static void assertError(WsClient client, String frame, String code, String ref)
      throws Exception {
    client.send(frame);
    JsonNode error = client.next();
    assertEquals(code, error.path("error").asText(), frame + " -> " + error);
    assertTrue(error.get("message").asText().length() > 0);
    if (ref != null) {
      assertEquals(ref, error.get("ref").asText(), frame + " -> " + error);
    }
  }

  @Test
  void aFullUnacknowledgedWindowCutsTheSocketAsASlowConsumer() throws Exception {
    String t = topic();
    double before = node.metric(slowConsumers());
    try (WsClient client = WsClient.open(ws("?ack=true"), ALL)) {
      JsonNode subscribed = subscribe(client, "{\"subscribe\":[\"" + t + "\"]}");
      assertTrue(subscribed.get("ack").asBoolean());
      Http.publishBatch(node.http("/publish"), t, numbered(WINDOW + 5), ALL);
      assertEquals(4002, client.closeCode());
    }
    Await.until(
        Duration.ofSeconds(10),
        () -> node.metric(slowConsumers()) == before + 1,
        () -> "the cut socket counts as a slow consumer of transport ws");
  }

  private static String slowConsumers() {
    return "crier_sse_disconnects_total{reason=\"slow_consumer\",transport=\"ws\"}";
  }

  private static List<String> numbered(int n) {
    List<String> data = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      data.add("e" + i);
    }
    return data;
  }

  /**
   * The scenario: a client that acks only every 10th event drops its connection and comes
   * back with its last ack; it gets exactly the events it had not acknowledged, in order, then live
   * ones, and nothing is lost.
   */
  @Test
  void atLeastOnceRedeliversExactlyWhatWasNotAcknowledged() throws Exception {
    String t = topic();
    String lastAck = null;
    int acked = 0;
    try (WsClient client = WsClient.open(ws(""), ALL)) {
      subscribe(client, "{\"subscribe\":[\"" + t + "\"],\"ack\":true}");
      for (int i = 1; i <= 35; i++) {
        publish(t, "e" + i);
        JsonNode event = client.events(1).get(0);
        assertEquals("e" + i, event.get("data").asText());
        if (i % 10 == 0) {
          lastAck = event.get("id").asText();
          acked = i;
          client.send("{\"ack\":\"" + lastAck + "\"}");
        }
      }
      client.abort();
    }
    assertEquals(30, acked);
    for (int i = 36; i <= 40; i++) {
      publish(t, "e" + i);
    }
    try (WsClient client = WsClient.open(ws("?ack=true"), ALL)) {
      subscribe(client, "{\"subscribe\":[\"" + t + "\"],\"lastEventId\":\"" + lastAck + "\"}");
      List<JsonNode> again = client.events(10);
      for (int i = 0; i < 10; i++) {
        assertEquals("e" + (31 + i), again.get(i).get("data").asText());
      }
      publish(t, "e41");
      assertEquals("e41", client.events(1).get(0).get("data").asText());
      assertNull(client.poll(Duration.ofMillis(300)), "nothing twice");
    }
  }

  @Test
  void aNodeAtCapacityRefusesTheUpgradeWithA503() throws Exception {
    try (TestNode full = TestNode.start("crier.subscribe.max-connections = 1\n")) {
      URI ws = URI.create(full.http("/ws").toString().replace("http:", "ws:"));
      try (WsClient first = WsClient.open(ws, ALL)) {
        first.send("{\"ping\":1}");
        assertEquals(1, first.next().get("pong").asInt());
        WsClient.Refused second =
            assertThrows(WsClient.Refused.class, () -> WsClient.open(ws, ALL));
        assertEquals(503, second.status, "at_capacity, before any upgrade");
      }
    }
  }

  @Test
  void aRevokedTokenClosesItsSockets() throws Exception {
    String admin =
        new TokenMinter(TestNode.SECRET)
            .mint("ops", List.of(), List.of(), true, Duration.ofMinutes(10));
    Http.Answer minted =
        Http.postJson(
            node.management("/admin/tokens"),
            "{\"sub\":\"revokee\",\"subscribe\":[\"*\"],\"ttlSeconds\":600}",
            admin);
    assertEquals(201, minted.status(), minted.raw().body());
    try (WsClient client = WsClient.open(ws(""), minted.json().get("token").asText())) {
      subscribe(client, "{\"subscribe\":[\"" + topic() + "\"]}");
      Http.Answer revoked =
          Http.send(
              HttpRequest.newBuilder(
                      node.management(
                          "/admin/tokens/"
                              + minted.json().get("jti").asText()
                              + "?expiresAt="
                              + minted.json().get("expiresAt").asLong()))
                  .header("Authorization", "Bearer " + admin)
                  .DELETE()
                  .build());
      assertEquals(200, revoked.status());
      assertEquals(4003, client.closeCode());
    }
  }
}

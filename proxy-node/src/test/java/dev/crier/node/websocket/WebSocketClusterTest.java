package dev.crier.node.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crier.node.support.Await;
import dev.crier.node.support.Http;
import dev.crier.node.support.TestNode;
import dev.crier.node.support.WsClient;
import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A WebSocket subscriber on one node of a two-node cluster gets what is published over HTTP on the
 * other; the node's connection limits refuse sockets as they refuse SSE streams (an HTTP 429 for
 * the upgrade, or close code 4429 once a first-frame token is known); and when its node drains, the
 * socket is closed with the code that says "reconnect elsewhere" and resumes there without loss.
 */
class WebSocketClusterTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String TOKEN = TestNode.allAccess();

  private static URI ws(TestNode node) {
    return URI.create(node.http("/ws").toString().replace("http:", "ws:"));
  }

  @Test
  void subscriberOnOneNodePublisherOnTheOtherThenDrainAndResumeElsewhere() throws Exception {
    try (TestNode publishing = TestNode.start();
        TestNode subscribing =
            TestNode.joining(
                publishing,
                "crier.drain.window = 0s\ncrier.limits.connections-per-subject = 2\n")) {
      Await.until(
          WAIT,
          () -> publishing.upMembers() == 2 && subscribing.upMembers() == 2,
          () -> "the cluster of two did not form");
      String topic = "ws-cluster/" + UUID.randomUUID();
      String lastId;
      try (WsClient client = WsClient.open(ws(subscribing), TOKEN)) {
        client.send("{\"subscribe\":[\"" + topic + "\"]}");
        assertTrue(client.next().has("subscribed"));
        for (int i = 1; i <= 20; i++) {
          assertEquals(201, Http.publish(publishing, topic, "e" + i, TOKEN).status());
        }
        List<JsonNode> events = client.events(20);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 20; i++) {
          assertEquals("e" + (i + 1), events.get(i).get("data").asText());
          seen.add(events.get(i).get("id").asText());
        }
        assertEquals(20, seen.size());
        lastId = events.get(19).get("id").asText();

        try (WsClient second = WsClient.open(ws(subscribing), TOKEN)) {
          WsClient.Refused third =
              assertThrows(WsClient.Refused.class, () -> WsClient.open(ws(subscribing), TOKEN));
          assertEquals(429, third.status, "the subject holds its two connections already");
          try (WsClient late = WsClient.open(ws(subscribing), (String) null)) {
            late.send("{\"auth\":\"" + TOKEN + "\"}");
            assertEquals("connections_per_subject", late.next().get("error").asText());
            assertEquals(4429, late.closeCode(), "refused once its token is known");
          }
          assertFalse(second.isClosed());
        }

        Http.Answer drain = subscribing.drain();
        assertEquals(202, drain.status(), drain.raw().body());
        assertEquals(4001, client.closeCode(), "drained: reconnect elsewhere");
      }
      assertEquals(201, Http.publish(publishing, topic, "e21", TOKEN).status());
      try (WsClient elsewhere = WsClient.open(ws(publishing), TOKEN)) {
        elsewhere.send("{\"subscribe\":[\"" + topic + "\"],\"lastEventId\":\"" + lastId + "\"}");
        assertTrue(elsewhere.next().has("subscribed"));
        assertEquals("e21", elsewhere.events(1).get(0).get("data").asText());
      }
    }
  }
}

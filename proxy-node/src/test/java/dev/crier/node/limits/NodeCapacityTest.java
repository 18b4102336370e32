package dev.crier.node.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.support.Await;
import dev.crier.node.support.Http;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** crier.subscribe.max-connections: the node's own cap on SSE streams, whoever opens them. */
class NodeCapacityTest {

  @Test
  void theNodeRefusesStreamsAtItsCapacityAndNotBeforeAndTakesThemAgainWhenOneEnds()
      throws Exception {
    String token = TestNode.allAccess();
    try (TestNode node =
        TestNode.start(
            "crier.subscribe.max-connections = 2\n"
                // a closed client is noticed at the next write
                + "crier.subscribe.heartbeat = 200ms")) {
      SseClient first = SseClient.open(node.http("/events/cap/a"), token);
      try (SseClient second = SseClient.open(node.http("/events/cap/b"), token)) {
        assertEquals(200, first.status());
        assertEquals(200, second.status(), "the second stream is within capacity");
        Http.Answer refused = Http.get(node.http("/events/cap/c"), token);
        assertEquals(503, refused.status());
        assertEquals("at_capacity", refused.json().get("error").asText());
        assertTrue(refused.raw().headers().firstValue("Retry-After").isPresent());
        assertEquals(201, Http.publish(node, "cap/a", "still served", token).status());
        assertEquals("still served", first.next(Duration.ofSeconds(10)).data());

        first.close();
        Await.until(
            Duration.ofSeconds(10),
            () -> {
              try (SseClient again = SseClient.open(node.http("/events/cap/c"), token)) {
                return again.status() == 200;
              }
            },
            () -> "capacity was not given back when a stream ended");
        assertTrue(
            Http.get(node.management("/metrics"), null)
                .raw()
                .body()
                .contains("crier_sse_disconnects_total{reason=\"client_gone\"}"),
            "a client that went away is counted as client_gone");
      }
    }
  }
}

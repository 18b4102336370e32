package dev.crier.node.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
        assertEquals("5", refused.raw().headers().firstValue("Retry-After").orElse(null));
        assertEquals(201, Http.publish(node, "cap/a", "still served", token).status());
        assertEquals("still served", first.next(Duration.ofSeconds(10)).data());

        first.close();
        Await.until(
            Duration.ofSeconds(10),
            () ->
                node.metric("crier_sse_disconnects_total{reason=\"client_gone\",transport=\"sse\"}")
                    == 1,
            () -> "the client that went away was not counted as client_gone");
        assertEquals(1, node.metric("crier_sse_connections{transport=\"sse\"}"));
        try (SseClient again = SseClient.open(node.http("/events/cap/c"), token)) {
          assertEquals(200, again.status(), "capacity is given back when a stream ends");
          Http.Answer full = Http.get(node.http("/events/cap/d"), token);
          assertEquals(503, full.status(), "and only as much as was given back");
        }
      }
    }
  }
}

package dev.crier.node.management;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crier.node.support.Await;
import dev.crier.node.support.Http;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The probes live on the management port only; draining's effect on them is in DrainTest. */
class ManagementTest {

  @Test
  void aliveAndReadyOnTheManagementPortOnly() throws Exception {
    try (TestNode node = TestNode.start()) {
      assertEquals(200, Http.get(node.management("/alive"), null).status());
      assertEquals(200, Http.get(node.management("/ready"), null).status());
      assertEquals(404, Http.get(node.http("/ready"), null).status());
    }
  }

  /** A bad query on the management port is a 400 with a JSON body, as on the public port. */
  @Test
  void aBadLimitOnTheManagementPortIsA400() throws Exception {
    try (TestNode node = TestNode.start()) {
      Http.Answer answer = Http.get(node.management("/cluster/topics?limit=0"), null);
      assertEquals(400, answer.status());
      assertEquals("invalid_limit", answer.json().get("error").asText());
      assertEquals(200, Http.get(node.management("/cluster/topics?limit=5"), null).status());
    }
  }

  /** Crier's reads on the management port answer these fields in this order. */
  @Test
  void crierReadsKeepTheirFieldsInOrder() throws Exception {
    try (TestNode node = TestNode.start();
        SseClient stream = SseClient.open(node.http("/events/shape/a"), TestNode.allAccess())) {
      JsonNode[] nodes = new JsonNode[1];
      Await.until(
          Duration.ofSeconds(20),
          () -> {
            nodes[0] = Http.get(node.management("/crier/nodes"), null).json();
            return nodes[0].get("nodes").get(0).path("connections").asInt() == 1;
          },
          () -> "the node's info never counted the stream: " + nodes[0]);
      assertEquals(List.of("nodes"), fields(nodes[0]));
      assertEquals(
          List.of("id", "address", "status", "self", "bridge", "connections", "topics"),
          fields(nodes[0].get("nodes").get(0)));

      JsonNode topics = Http.get(node.management("/cluster/topics"), null).json();
      assertEquals(List.of("total", "topics"), fields(topics));
      assertEquals(1, topics.get("total").asInt());
      assertEquals(List.of("topic", "nodes"), fields(topics.get("topics").get(0)));
      assertEquals("shape/a", topics.get("topics").get(0).get("topic").asText());

      JsonNode bridge = Http.get(node.management("/crier/bridge"), null).json();
      assertEquals(List.of("peers", "inbound", "ingest", "tap", "refused"), fields(bridge));
      assertEquals(List.of("frames", "bytes"), fields(bridge.get("inbound")));
      assertEquals(List.of("accepted", "rejected"), fields(bridge.get("ingest")));
      assertEquals(List.of("subscribers", "frames", "drops"), fields(bridge.get("tap")));
      assertEquals(true, bridge.get("refused").isObject());
      assertEquals(true, bridge.get("ingest").get("rejected").isObject());
    }
  }

  private static List<String> fields(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }
}

package dev.crier.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.support.Await;
import dev.crier.node.support.Http;
import dev.crier.node.support.NodeProcess;
import dev.crier.node.support.SseClient;
import dev.crier.protocol.sse.SseEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Three packaged nodes as separate processes, configured only by environment variables the way
 * {@code ops/cluster-local} starts them: they form one cluster from a seed list and deliver across
 * nodes.
 */
class ClusterProcessIT {
  private static final String SECRET = "cluster-process-it-secret-0123456789-abcdefghij";
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void threeProcessesFromASeedListFormAClusterAndDeliverAcrossNodes() throws Exception {
    List<NodeProcess> nodes =
        NodeProcess.cluster(3, SECRET, Map.of("CRIER_HISTORY_STORE", "memory"), List.of());
    try {
      Await.until(
          WAIT,
          () ->
              Http.get(nodes.get(0).management("/crier/nodes"), null).json().get("nodes").size()
                  >= 3,
          () -> "the nodes did not all appear in /crier/nodes");
      String subscriber = nodes.get(0).printed("crier: dev subscriber token:");
      String publisher = nodes.get(0).printed("crier: dev publisher token:");
      SseClient onTwo = SseClient.open(nodes.get(1).http("/events/processes"), subscriber);
      SseClient onThree = SseClient.open(nodes.get(2).http("/events/processes"), subscriber);
      int events = 200;
      StringBuilder batch = new StringBuilder("[");
      for (int i = 0; i < events; i++) {
        batch.append(i == 0 ? "" : ",").append("{\"topic\":\"processes\",\"data\":\"e" + i + "\"}");
      }
      Http.Answer published =
          Http.postJson(nodes.get(0).http("/publish"), batch.append("]").toString(), publisher);
      assertEquals(201, published.status(), published.raw().body());
      for (SseClient stream : List.of(onTwo, onThree)) {
        for (int i = 0; i < events; i++) {
          SseEvent event = stream.next(WAIT);
          assertEquals("e" + i, event.data());
        }
        assertTrue(stream.quietFor(Duration.ofSeconds(1)), "an event came twice");
      }
    } finally {
      nodes.forEach(NodeProcess::close);
    }
  }
}

package dev.crier.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.support.NodeProcess;
import dev.crier.node.support.SseClient;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The packaged node as a separate process with no configuration at all (dev mode), driven the way
 * the README drives it, then stopped with SIGTERM.
 */
class NodeProcessIT {

  @Test
  void devModeNodeServesTheReadmeFlowAndShutsDownCleanlyOnSigterm() throws Exception {
    try (NodeProcess node =
        NodeProcess.start(Map.of(), List.of("pekko.remote.artery.canonical.port=0"))) {
      assertEquals(
          List.of(
              "crier: http listening on",
              "crier: management listening on",
              "crier: bridge listening on",
              "crier: dev subscriber token:",
              "crier: dev publisher token:",
              "crier: dev admin token:"),
          node.order());
      String http = node.printed("crier: http listening on");
      String management = node.printed("crier: management listening on");
      assertTrue(http.startsWith("127.0.0.1:"), http);
      String subscriber = node.printed("crier: dev subscriber token:");
      String publisher = node.printed("crier: dev publisher token:");

      HttpClient client = HttpClient.newHttpClient();
      assertEquals(
          200,
          client
              .send(
                  HttpRequest.newBuilder(URI.create("http://" + management + "/ready")).build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode());
      SseClient stream = SseClient.open(URI.create("http://" + http + "/events/news"), subscriber);
      HttpResponse<String> published =
          client.send(
              HttpRequest.newBuilder(URI.create("http://" + http + "/topics/news/events"))
                  .header("Authorization", "Bearer " + publisher)
                  .header("Crier-Event-Type", "headline")
                  .POST(HttpRequest.BodyPublishers.ofString("Crier is up"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(201, published.statusCode(), published.body());
      assertEquals("Crier is up", stream.next(Duration.ofSeconds(10)).data());
      assertEquals(
          403,
          client
              .send(
                  HttpRequest.newBuilder(URI.create("http://" + http + "/topics/news/events"))
                      .header("Authorization", "Bearer " + subscriber)
                      .POST(HttpRequest.BodyPublishers.ofString("x"))
                      .build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode());

      node.process().destroy();
      stream.ended().get(20, TimeUnit.SECONDS);
      assertTrue(node.process().waitFor(30, TimeUnit.SECONDS), "node did not exit after SIGTERM");
      assertEquals(0, node.process().exitValue(), "a drained node exits 0");
      int port = Integer.parseInt(http.substring(http.lastIndexOf(':') + 1));
      assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());
    }
  }
}

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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

  @Test
  void aConfigurationThatCannotRunExitsNonZeroSayingWhyOnceWithoutAStackTrace() throws Exception {
    Path jar = Path.of(System.getProperty("crier.jar", "target/crier-node.jar"));
    ProcessBuilder builder =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Dcrier.http.interface=127.0.0.1",
            "-Dcrier.management.interface=127.0.0.1",
            "-Dcrier.management.port=0",
            "-Dcrier.bridge.port=0",
            "-Dpekko.remote.artery.canonical.hostname=127.0.0.1",
            "-Dpekko.remote.artery.canonical.port=0",
            "-jar",
            jar.toString());
    builder.environment().put("CRIER_HTTP_PORT", "0");
    builder.environment().put("CRIER_DEV_MODE", "false");
    builder.environment().put("CRIER_DATA_DIR", Files.createTempDirectory("crier-data").toString());
    Process node = builder.start();
    assertTrue(node.waitFor(60, TimeUnit.SECONDS), "a node that cannot run did not exit");
    String err = new String(node.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(78, node.exitValue(), "EX_CONFIG; stderr: " + err);
    List<String> said = err.lines().filter(l -> l.contains("no JWT keys configured")).toList();
    assertEquals(1, said.size(), "the reason once: " + err);
    assertTrue(
        said.get(0).startsWith("crier: configuration error: no JWT keys configured"), said.get(0));
    assertTrue(err.lines().noneMatch(l -> l.startsWith("\tat ")), "no stack trace: " + err);
    assertEquals("", out, "nothing announced");
  }

  /**
   * With 2 CPUs the JDK's common pool has one thread, and CompletableFuture then started a new
   * thread for every callback of a Pekko result: two per publish (Main.poolCallbacks).
   */
  @Test
  void publishesOnATwoCpuMachineStartNoThreadsOfTheirOwn() throws Exception {
    try (NodeProcess node =
        NodeProcess.start(
            Map.of("JAVA_TOOL_OPTIONS", "-XX:ActiveProcessorCount=2"),
            List.of("pekko.remote.artery.canonical.port=0"))) {
      String http = node.printed("crier: http listening on");
      URI metrics =
          URI.create("http://" + node.printed("crier: management listening on") + "/metrics");
      String publisher = node.printed("crier: dev publisher token:");
      HttpClient client = HttpClient.newHttpClient();
      HttpRequest publish =
          HttpRequest.newBuilder(URI.create("http://" + http + "/topics/threads/events"))
              .header("Authorization", "Bearer " + publisher)
              .POST(HttpRequest.BodyPublishers.ofString("e"))
              .build();
      int publishes = 200;
      for (int i = 0; i < 20; i++) {
        assertEquals(
            201, client.send(publish, HttpResponse.BodyHandlers.discarding()).statusCode());
      }
      long before = threadsStarted(client, metrics);
      for (int i = 0; i < publishes; i++) {
        assertEquals(
            201, client.send(publish, HttpResponse.BodyHandlers.discarding()).statusCode());
      }
      long started = threadsStarted(client, metrics) - before;
      assertTrue(
          started < publishes / 4, started + " threads started by " + publishes + " publishes");
    }
  }

  private static long threadsStarted(HttpClient client, URI metrics) throws Exception {
    String body =
        client
            .send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString())
            .body();
    return body.lines()
        .filter(l -> l.startsWith("jvm_threads_started_total "))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.indexOf(' ') + 1)))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no jvm_threads_started_total in " + body));
  }
}

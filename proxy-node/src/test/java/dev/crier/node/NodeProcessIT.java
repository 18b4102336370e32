package dev.crier.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.support.SseClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The packaged node as a separate process with no configuration at all (dev mode), driven the way
 * the README drives it, then stopped with SIGTERM.
 */
class NodeProcessIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void devModeNodeServesTheReadmeFlowAndShutsDownCleanlyOnSigterm() throws Exception {
    Path jar = Path.of(System.getProperty("crier.jar", "target/crier-node.jar"));
    assertTrue(Files.exists(jar), "build the jar first: " + jar);
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dcrier.http.interface=127.0.0.1",
                "-Dcrier.management.interface=127.0.0.1",
                "-Dcrier.management.port=0",
                "-Dpekko.remote.artery.canonical.hostname=127.0.0.1",
                "-Dpekko.remote.artery.canonical.port=0",
                "-jar",
                jar.toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD);
    builder.environment().put("CRIER_HTTP_PORT", "0");
    Process node = builder.start();
    try {
      BlockingQueue<String> lines = new LinkedBlockingQueue<>();
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader out =
                    new BufferedReader(
                        new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line; (line = out.readLine()) != null; ) {
                    lines.add(line);
                  }
                } catch (IOException ignored) {
                  // the process ended
                }
              });
      reader.setDaemon(true);
      reader.start();

      Map<String, String> printed = new HashMap<>();
      List<String> order = new ArrayList<>();
      for (String line = lines.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
          line != null && !line.equals("crier: ready");
          line = lines.poll(WAIT.toSeconds(), TimeUnit.SECONDS)) {
        int space = line.lastIndexOf(' ');
        printed.put(line.substring(0, space), line.substring(space + 1));
        order.add(line.substring(0, space));
      }
      assertEquals(
          List.of(
              "crier: http listening on",
              "crier: management listening on",
              "crier: dev subscriber token:",
              "crier: dev publisher token:",
              "crier: dev admin token:"),
          order);
      String http = printed.get("crier: http listening on");
      String management = printed.get("crier: management listening on");
      assertTrue(http.startsWith("127.0.0.1:"), http);
      String subscriber = printed.get("crier: dev subscriber token:");
      String publisher = printed.get("crier: dev publisher token:");

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

      node.destroy();
      stream.ended().get(20, TimeUnit.SECONDS);
      assertTrue(node.waitFor(30, TimeUnit.SECONDS), "node did not exit after SIGTERM");
      int port = Integer.parseInt(http.substring(http.lastIndexOf(':') + 1));
      assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());
    } finally {
      node.destroyForcibly();
    }
    assertFalse(node.isAlive());
  }
}

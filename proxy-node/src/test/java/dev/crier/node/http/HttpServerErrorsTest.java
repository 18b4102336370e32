package dev.crier.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import dev.crier.node.support.Http;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the public listener answers when a route fails instead of answering: a rejection that
 * escaped is its own JSON error, anything else a JSON 500; both counted and with CORS headers.
 */
@ExtendWith(LogCapturingExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpServerErrorsTest extends AllDirectives {
  private static final String ORIGIN = "https://app.example";
  private final ActorTestKit testKit = ActorTestKit.create();
  private final ResponseCounters counters = new ResponseCounters();
  private ServerBinding binding;

  @BeforeAll
  void bind() throws Exception {
    Route routes =
        concat(
            path(
                "throws",
                () -> {
                  throw new IllegalStateException("a bug");
                }),
            path(
                "fails",
                () ->
                    completeWithFuture(
                        CompletableFuture.failedFuture(new IllegalStateException("a bug")))),
            path(
                "escapes",
                () ->
                    completeWithFuture(
                        CompletableFuture.supplyAsync(
                            () -> {
                              throw ApiError.forbidden("not for you").rejection();
                            }))));
    HttpServer.Settings settings =
        new HttpServer.Settings(
            "127.0.0.1",
            0,
            CorsSettings.create(
                ConfigFactory.parseString("crier.http.cors.allowed-origins = [\"" + ORIGIN + "\"]")
                    .withFallback(ConfigFactory.defaultReference())),
            Duration.ofSeconds(10),
            Optional.empty(),
            false);
    binding =
        new HttpServer()
            .bind(testKit.system(), settings, routes, counters)
            .toCompletableFuture()
            .get();
  }

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private Http.Answer get(String path) throws Exception {
    return Http.send(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + binding.localAddress().getPort() + path))
            .header("Origin", ORIGIN)
            .timeout(Duration.ofSeconds(10))
            .build());
  }

  @Test
  void failuresAreJsonCountedAndCarryCorsHeaders() throws Exception {
    for (String path : new String[] {"/throws", "/fails"}) {
      Http.Answer answer = get(path);
      assertEquals(500, answer.status(), path);
      assertEquals("internal_error", answer.json().get("error").asText(), path);
      assertEquals(
          ORIGIN, answer.raw().headers().firstValue("Access-Control-Allow-Origin").orElse(""));
    }
    Http.Answer escaped = get("/escapes");
    assertEquals(403, escaped.status());
    assertEquals("forbidden", escaped.json().get("error").asText());
    assertEquals(Map.of(403, 1L, 500, 2L), counters.byStatus());
  }
}

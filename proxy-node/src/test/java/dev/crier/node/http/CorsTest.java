package dev.crier.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import dev.crier.node.Guardian;
import dev.crier.node.support.Http;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.Test;

/** CORS on the public listener of a real node, seen by a real HTTP client. */
class CorsTest {
  private static final String APP = "https://app.example";
  private static final String LOCAL_DEV = "http://localhost:3000";
  private static final String ELSEWHERE = "https://evil.example";
  private static final String ORIGINS =
      "crier.http.cors.allowed-origins = [\"" + APP + "\", \"" + LOCAL_DEV + "\"]\n";
  private static final Duration WAIT = Duration.ofSeconds(10);

  private static Http.Answer preflight(URI uri, String origin, String method) throws Exception {
    return Http.send(
        HttpRequest.newBuilder(uri)
            .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
            .header("Origin", origin)
            .header("Access-Control-Request-Method", method)
            .header("Access-Control-Request-Headers", "authorization, last-event-id")
            .build());
  }

  private static Http.Answer get(URI uri, String origin, String token) throws Exception {
    return Http.send(
        Http.auth(HttpRequest.newBuilder(uri), token).header("Origin", origin).GET().build());
  }

  private static void assertNoCorsHeaders(HttpHeaders headers) {
    List<String> cors =
        headers.map().keySet().stream()
            .filter(name -> name.toLowerCase().startsWith("access-control-"))
            .toList();
    assertEquals(List.of(), cors, "CORS headers for an origin that is not allowed");
  }

  @Test
  void aPreflightFromAnAllowedOriginIsAnsweredAndFromAnyOtherRefused() throws Exception {
    try (TestNode node = TestNode.start(ORIGINS)) {
      Http.Answer allowed = preflight(node.http("/events/news"), APP, "GET");
      assertEquals(204, allowed.status(), allowed.raw().body());
      HttpHeaders headers = allowed.raw().headers();
      assertEquals(APP, headers.firstValue("Access-Control-Allow-Origin").orElse(null));
      assertEquals(
          "GET, POST, DELETE", headers.firstValue("Access-Control-Allow-Methods").orElse(null));
      assertEquals(
          "Authorization, Content-Type, Last-Event-ID, Crier-Event-Type, Crier-Idempotency-Key,"
              + " Crier-Deliver-At",
          headers.firstValue("Access-Control-Allow-Headers").orElse(null));
      assertEquals("true", headers.firstValue("Access-Control-Allow-Credentials").orElse(null));
      assertEquals("600", headers.firstValue("Access-Control-Max-Age").orElse(null));
      assertEquals("Origin", headers.firstValue("Vary").orElse(null));

      Http.Answer otherAllowed = preflight(node.http("/topics/news/events"), LOCAL_DEV, "POST");
      assertEquals(204, otherAllowed.status());
      assertEquals(
          LOCAL_DEV,
          otherAllowed.raw().headers().firstValue("Access-Control-Allow-Origin").orElse(null),
          "the request's own origin is echoed, never the whole list");

      Http.Answer refused = preflight(node.http("/events/news"), ELSEWHERE, "GET");
      assertEquals(403, refused.status());
      assertEquals("origin_not_allowed", refused.json().get("error").asText());
      assertNoCorsHeaders(refused.raw().headers());
      assertEquals(403, preflight(node.http("/events/news"), APP + ":8443", "GET").status());
    }
  }

  @Test
  void streamsAndJsonErrorsCarryCorsHeadersForAllowedOriginsOnly() throws Exception {
    try (TestNode node = TestNode.start(ORIGINS)) {
      String token = TestNode.allAccess();
      try (SseClient stream =
          SseClient.open(
              node.http("/events/news"),
              Map.of("Authorization", "Bearer " + token, "Origin", APP))) {
        assertEquals(200, stream.status());
        HttpHeaders headers = stream.response().headers();
        assertEquals("text/event-stream", headers.firstValue("Content-Type").orElse(null));
        assertEquals(APP, headers.firstValue("Access-Control-Allow-Origin").orElse(null));
        assertEquals("true", headers.firstValue("Access-Control-Allow-Credentials").orElse(null));
        assertEquals("Retry-After", headers.firstValue("Access-Control-Expose-Headers").get());
        assertEquals("Origin", headers.firstValue("Vary").orElse(null));
      }

      Http.Answer unauthorized = get(node.http("/events/news"), APP, null);
      assertEquals(401, unauthorized.status());
      assertEquals(
          APP, unauthorized.raw().headers().firstValue("Access-Control-Allow-Origin").get());
      Http.Answer notFound = get(node.http("/nowhere"), APP, token);
      assertEquals(404, notFound.status());
      assertEquals("not_found", notFound.json().get("error").asText());
      assertEquals(APP, notFound.raw().headers().firstValue("Access-Control-Allow-Origin").get());

      try (SseClient stream =
          SseClient.open(
              node.http("/events/news"),
              Map.of("Authorization", "Bearer " + token, "Origin", ELSEWHERE))) {
        assertEquals(200, stream.status(), "the server answers; the browser hides it");
        assertNoCorsHeaders(stream.response().headers());
        assertEquals("Origin", stream.response().headers().firstValue("Vary").orElse(null));
      }
      assertNoCorsHeaders(Http.get(node.http("/events/news"), null).raw().headers());
    }
  }

  private static Http.Answer publish(TestNode node, String origin, String token) throws Exception {
    return Http.send(
        Http.auth(HttpRequest.newBuilder(node.http("/topics/cors-limited/events")), token)
            .header("Origin", origin)
            .POST(HttpRequest.BodyPublishers.ofString("x"))
            .build());
  }

  /**
   * An error the page of {@link #APP} may read, Retry-After included: without it in
   * Access-Control-Expose-Headers, a browser hides the one header that says when to come back.
   */
  private static void assertReadableByApp(Http.Answer answer) {
    HttpHeaders headers = answer.raw().headers();
    assertTrue(headers.firstValue("Retry-After").isPresent(), headers.toString());
    assertEquals(APP, headers.firstValue("Access-Control-Allow-Origin").orElse(null));
    assertEquals("true", headers.firstValue("Access-Control-Allow-Credentials").orElse(null));
    assertEquals("Retry-After", headers.firstValue("Access-Control-Expose-Headers").orElse(null));
    assertEquals("Origin", headers.firstValue("Vary").orElse(null));
  }

  @Test
  void refusalsByALimitOrAtCapacityAreReadableByAllowedOriginsOnly() throws Exception {
    try (TestNode node =
        TestNode.start(
            ORIGINS
                + "crier.subscribe.max-connections = 1\n"
                + "crier.limits.publish-rate = 0.01\n"
                + "crier.limits.publish-burst = 1\n")) {
      String token = TestNode.allAccess();
      assertEquals(201, publish(node, APP, token).status());
      Http.Answer limited = publish(node, APP, token);
      assertEquals(429, limited.status(), limited.raw().body());
      assertEquals("publish_rate", limited.json().get("error").asText());
      assertReadableByApp(limited);
      Http.Answer limitedElsewhere = publish(node, ELSEWHERE, token);
      assertEquals(429, limitedElsewhere.status());
      assertNoCorsHeaders(limitedElsewhere.raw().headers());

      try (SseClient only =
          SseClient.open(
              node.http("/events/cors-full"),
              Map.of("Authorization", "Bearer " + token, "Origin", APP))) {
        assertEquals(200, only.status());
        Http.Answer full = get(node.http("/events/cors-full"), APP, token);
        assertEquals(503, full.status(), full.raw().body());
        assertEquals("at_capacity", full.json().get("error").asText());
        assertEquals("5", full.raw().headers().firstValue("Retry-After").orElse(null));
        assertReadableByApp(full);
        Http.Answer fullElsewhere = get(node.http("/events/cors-full"), ELSEWHERE, token);
        assertEquals(503, fullElsewhere.status());
        assertNoCorsHeaders(fullElsewhere.raw().headers());
        assertEquals("Origin", fullElsewhere.raw().headers().firstValue("Vary").orElse(null));
      }
    }
  }

  @Test
  void aCookieAuthenticatesACrossOriginStreamWithCredentials() throws Exception {
    try (TestNode node = TestNode.start(ORIGINS)) {
      String cookie = "crier_token=" + TestNode.token(List.of("cookie-news"), List.of());
      try (SseClient stream =
          SseClient.open(
              node.http("/events/cookie-news"), Map.of("Cookie", cookie, "Origin", APP))) {
        assertEquals(200, stream.status());
        HttpHeaders headers = stream.response().headers();
        assertEquals(APP, headers.firstValue("Access-Control-Allow-Origin").orElse(null));
        assertEquals("true", headers.firstValue("Access-Control-Allow-Credentials").orElse(null));
        assertEquals(
            201, Http.publish(node, "cookie-news", "hello", TestNode.allAccess()).status());
        assertEquals("hello", stream.next(WAIT).data());
      }
      Http.Answer history =
          Http.send(
              HttpRequest.newBuilder(node.http("/topics/cookie-news/events"))
                  .header("Cookie", cookie)
                  .header("Origin", LOCAL_DEV)
                  .GET()
                  .build());
      assertEquals(200, history.status(), history.raw().body());
      assertEquals(
          "true",
          history.raw().headers().firstValue("Access-Control-Allow-Credentials").orElse(null));
    }
  }

  @Test
  void anyOriginIsAcceptedOnlyWithoutCredentials() throws Exception {
    String wildcard = "crier.http.cors.allowed-origins = [\"*\"]\n";
    IllegalArgumentException refused =
        assertThrows(
            IllegalArgumentException.class, () -> CorsSettings.create(TestNode.config(wildcard)));
    assertTrue(
        refused.getMessage().contains("crier.http.cors.allowed-origins"), refused.toString());
    assertTrue(
        refused.getMessage().contains("crier.http.cors.allow-credentials"), refused.toString());

    Config config = TestNode.config(wildcard);
    List<String> printed = new CopyOnWriteArrayList<>();
    List<String> reasons = new CopyOnWriteArrayList<>();
    ActorSystem<Void> system =
        ActorSystem.create(Guardian.create(config, printed::add, reasons::add), "crier", config);
    system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertEquals(List.of(), printed, "the node stopped before it listened");
    assertEquals(List.of("crier: configuration error: " + refused.getMessage()), reasons);

    try (TestNode node = TestNode.start(wildcard + "crier.http.cors.allow-credentials = false\n")) {
      Http.Answer allowed = preflight(node.http("/events/news"), ELSEWHERE, "GET");
      assertEquals(204, allowed.status());
      HttpHeaders headers = allowed.raw().headers();
      assertEquals(ELSEWHERE, headers.firstValue("Access-Control-Allow-Origin").orElse(null));
      assertFalse(headers.firstValue("Access-Control-Allow-Credentials").isPresent());
    }
  }

  @Test
  void originsThatAreNotSchemeHostAndPortStopTheNodeNamingTheEntry() {
    IllegalArgumentException withPath =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                CorsSettings.create(
                    TestNode.config(
                        "crier.http.cors.allowed-origins = [\""
                            + APP
                            + "\", \"https://app.example/login\"]\n")));
    assertTrue(
        withPath.getMessage().startsWith("crier.http.cors.allowed-origins[1]"),
        withPath.getMessage());
    CorsSettings normalised =
        CorsSettings.create(
            TestNode.config("crier.http.cors.allowed-origins = [\"HTTPS://App.Example:443\"]\n"));
    assertTrue(normalised.allows(APP), "written as browsers send it");
  }

  @Test
  void withNoOriginConfiguredNothingIsAdded() throws Exception {
    try (TestNode node = TestNode.start()) {
      Http.Answer preflight = preflight(node.http("/events/news"), APP, "GET");
      assertEquals(405, preflight.status(), "no preflight handling: OPTIONS is not a route");
      assertNoCorsHeaders(preflight.raw().headers());
      Http.Answer plain = get(node.http("/events/news"), APP, null);
      assertNoCorsHeaders(plain.raw().headers());
      assertFalse(plain.raw().headers().firstValue("Vary").isPresent());
    }
  }
}

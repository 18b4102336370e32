package dev.crier.node.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.support.AuthService;
import dev.crier.node.support.Await;
import dev.crier.node.support.Http;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The auth webhook against a real local auth service: cache, coalescing, breaker, outages. */
class WebhookAuthTest {
  private static final String TOPIC = "/events/hooked/news";

  /** What a 503 auth_unavailable tells clients to wait, in seconds (a fixed value of the node). */
  private static final String RETRY_AFTER = "5";

  private static TestNode node(AuthService service, String extra) {
    return TestNode.start(
        "crier.auth.verifiers = [jwt, webhook]\n"
            + "crier.auth.webhook.url = \""
            + service.url()
            + "\"\n"
            + "crier.auth.webhook.authorization = \"Bearer node-to-service\"\n"
            + extra);
  }

  /** An opaque (non-JWT) token, so the jwt verifier passes it on to the webhook. */
  private static String opaque() {
    return "opaque-" + UUID.randomUUID();
  }

  @Test
  void grantsAreCachedAndOnlyForWhatTheyCover() throws Exception {
    try (AuthService service = new AuthService();
        TestNode node = node(service, "")) {
      String token = opaque();
      for (int i = 0; i < 5; i++) {
        try (SseClient sse = SseClient.open(node.http(TOPIC), token)) {
          assertEquals(200, sse.status());
        }
      }
      assertEquals(1, service.calls(), "one webhook call for five connects with one token");
      var asked = service.requests().get(0);
      assertEquals(token, asked.get("token").asText());
      assertEquals("subscribe", asked.get("action").asText());
      assertEquals("hooked/news", asked.get("topics").get(0).asText());
      assertEquals("Bearer node-to-service", service.authorizations().get(0));

      // Not covered by the cached grant: asked again, and still not granted → 403.
      assertEquals(403, Http.get(node.http("/events/elsewhere"), token).status());
      assertEquals(2, service.calls());
      assertEquals(
          403, Http.publish(node, "elsewhere", "x", token).status(), "publish not granted there");
      assertEquals(201, Http.publish(node, "hooked/news", "x", token).status());

      // JWTs still go to the local keys, never to the webhook.
      int before = service.calls();
      assertEquals(201, Http.publish(node, "jwt-topic", "x", TestNode.allAccess()).status());
      assertEquals(before, service.calls());
    }
  }

  @Test
  void refusalsAre401AndCachedToo() throws Exception {
    try (AuthService service = new AuthService();
        TestNode node = node(service, "crier.auth.webhook.refused-ttl = 1h")) {
      service.mode(AuthService.Mode.REFUSE);
      String token = opaque();
      for (int i = 0; i < 3; i++) {
        Http.Answer answer = Http.get(node.http(TOPIC), token);
        assertEquals(401, answer.status());
        assertEquals("unauthorized", answer.json().get("error").asText());
      }
      assertEquals(1, service.calls());
      assertEquals(401, Http.publish(node, "hooked/news", "x", token).status());
      assertEquals(1, service.calls(), "a refusal holds for every action");
    }
  }

  @Test
  void aRefusalIsKeptForRefusedTtlThenTheServiceIsAskedAgain() throws Exception {
    Duration refusedTtl = Duration.ofSeconds(3);
    try (AuthService service = new AuthService();
        TestNode node =
            node(service, "crier.auth.webhook.refused-ttl = " + refusedTtl.toMillis() + "ms")) {
      service.mode(AuthService.Mode.REFUSE);
      String token = opaque();
      long asked = System.nanoTime();
      assertEquals(401, Http.publish(node, "hooked/news", "x", token).status());
      service.mode(AuthService.Mode.GRANT);
      // The service grants now, but the node holds on to its refusal.
      assertEquals(401, Http.publish(node, "hooked/news", "x", token).status());
      assertEquals(1, service.calls());
      Await.until(
          Duration.ofSeconds(20),
          () -> Http.publish(node, "hooked/news", "x", token).status() == 201,
          () -> "the refusal was never asked about again");
      Duration refusedFor = Duration.ofNanos(System.nanoTime() - asked);
      assertTrue(
          refusedFor.compareTo(refusedTtl) >= 0,
          "the refusal was kept only " + refusedFor + ", not refused-ttl " + refusedTtl);
      assertEquals(2, service.calls(), "asked again once, when the refusal ran out");
    }
  }

  @Test
  void beyondTheWaitingCallsARequestIsRefusedAtOnceWithoutHarmingTheBreaker() throws Exception {
    try (AuthService service = new AuthService();
        TestNode node =
            node(
                service,
                "crier.auth.webhook.max-connections = 1\n"
                    + "crier.auth.webhook.max-waiting = 2\n"
                    + "crier.auth.webhook.timeout = 30s\n"
                    + "crier.auth.webhook.breaker.max-failures = 1\n")) {
      service.hold();
      HttpClient client = HttpClient.newHttpClient();
      List<CompletableFuture<HttpResponse<String>>> publishes = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        publishes.add(
            client.sendAsync(
                HttpRequest.newBuilder(node.http("/topics/hooked/queue/events"))
                    .header("Authorization", "Bearer " + opaque())
                    .POST(HttpRequest.BodyPublishers.ofString("x"))
                    .build(),
                HttpResponse.BodyHandlers.ofString()));
      }
      // One call is held at the service and two wait for its connection; the other three cannot
      // wait and are answered while the held call is still unanswered.
      Await.until(
          Duration.ofSeconds(20),
          () -> publishes.stream().filter(CompletableFuture::isDone).count() >= 3,
          () -> "requests beyond the waiting calls were not refused at once");
      // A quiet second in which every request has long reached the node: no fourth is refused.
      Await.holdsFor(
          Duration.ofSeconds(1),
          () -> publishes.stream().filter(CompletableFuture::isDone).count() == 3,
          () -> "a fourth request was refused while only three were beyond the waiting calls");
      List<CompletableFuture<HttpResponse<String>>> refused =
          publishes.stream().filter(CompletableFuture::isDone).toList();
      assertEquals(3, refused.size(), "refused while 1 call was in flight and 2 waited");
      assertEquals(1, service.calls());
      for (CompletableFuture<HttpResponse<String>> r : refused) {
        HttpResponse<String> response = r.get();
        assertEquals(503, response.statusCode(), response.body());
        assertTrue(response.body().contains("\"error\":\"auth_unavailable\""), response.body());
        assertEquals(Optional.of(RETRY_AFTER), response.headers().firstValue("Retry-After"));
      }
      service.release();
      for (CompletableFuture<HttpResponse<String>> p : publishes) {
        if (!refused.contains(p)) {
          assertEquals(201, p.get(20, TimeUnit.SECONDS).statusCode());
        }
      }
      assertEquals(3, service.calls());
      assertEquals(1, service.maxInFlight());
      assertEquals(1.0, node.metric("crier_auth_webhook_breaker_state{state=\"closed\"}"));
    }
  }

  @Test
  void aThousandConcurrentConnectsWithOneTokenMakeOneCall() throws Exception {
    // A generous call timeout: this test is about coalescing, and a thousand connects at once can
    // hold up the node's own handling of the answer on a busy machine.
    try (AuthService service = new AuthService();
        TestNode node = node(service, "crier.auth.webhook.timeout = 20s")) {
      service.delay(500);
      String token = opaque();
      HttpClient client = HttpClient.newHttpClient();
      List<CompletableFuture<HttpResponse<Void>>> connects = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        connects.add(
            client.sendAsync(
                HttpRequest.newBuilder(node.http(TOPIC + "-" + i % 10))
                    .header("Authorization", "Bearer " + token)
                    .build(),
                HttpResponse.BodyHandlers.discarding()));
      }
      // Every connect is authenticated (whether its stream then opens is another matter: a
      // thousand at once may outrun the owners' 5 s catch-up window on a busy machine).
      Await.until(
          Duration.ofSeconds(60),
          () ->
              metrics(node)
                  .contains(
                      "crier_auth_verifications_total{result=\"granted\",verifier=\"webhook\"}"
                          + " 1000.0"),
          () -> metricsLines(node, "crier_auth_"));
      assertEquals(
          1, service.calls(), "one webhook call for 1,000 concurrent connects to 10 topics");
      connects.forEach(c -> c.cancel(true));
    }
  }

  @Test
  void aBurstOfDistinctTokensIsQueuedForTheWebhookNotFailed() throws Exception {
    try (AuthService service = new AuthService();
        TestNode node = node(service, "crier.auth.webhook.max-connections = 4")) {
      service.delay(100);
      HttpClient client = HttpClient.newHttpClient();
      List<CompletableFuture<HttpResponse<String>>> reads = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        reads.add(
            client.sendAsync(
                HttpRequest.newBuilder(node.http("/topics/hooked/burst/events"))
                    .header("Authorization", "Bearer " + opaque())
                    .build(),
                HttpResponse.BodyHandlers.ofString()));
      }
      for (CompletableFuture<HttpResponse<String>> read : reads) {
        assertEquals(200, read.get().statusCode(), read.get().body());
      }
      assertEquals(300, service.calls());
      assertEquals(4, service.maxInFlight(), "calls the service had in flight at once");
      assertTrue(metrics(node).contains("crier_auth_webhook_breaker_state{state=\"closed\"} 1"));
    }
  }

  private static String metricsLines(TestNode node, String prefix) {
    try {
      return java.util.Arrays.stream(metrics(node).split("\n"))
          .filter(l -> l.startsWith(prefix))
          .collect(java.util.stream.Collectors.joining("\n", "\n", ""));
    } catch (Exception e) {
      return e.toString();
    }
  }

  @Test
  void failuresOpenTheBreakerAndDenyWhileItIsOpenThenItCloses() throws Exception {
    try (AuthService service = new AuthService();
        TestNode node =
            node(
                service,
                "crier.auth.webhook.breaker.max-failures = 3\n"
                    + "crier.auth.webhook.breaker.reset-timeout = 2s\n")) {
      service.mode(AuthService.Mode.FAIL);
      for (int i = 0; i < 3; i++) {
        Http.Answer answer = Http.get(node.http(TOPIC), opaque());
        assertEquals(503, answer.status());
        assertEquals("auth_unavailable", answer.json().get("error").asText());
        assertEquals(Optional.of(RETRY_AFTER), answer.raw().headers().firstValue("Retry-After"));
      }
      assertEquals(3, service.calls());
      assertEquals(3.0, node.metric("crier_auth_webhook_calls_total{result=\"failed\"}"));
      assertEquals(1.0, node.metric("crier_auth_webhook_breaker_state{state=\"open\"}"));
      // Open: refused at once, the service is not called.
      for (int i = 0; i < 2; i++) {
        Http.Answer open = Http.get(node.http(TOPIC), opaque());
        assertEquals(503, open.status());
        assertEquals("auth_unavailable", open.json().get("error").asText());
        assertEquals(Optional.of(RETRY_AFTER), open.raw().headers().firstValue("Retry-After"));
      }
      assertEquals(3, service.calls());
      assertEquals(2.0, node.metric("crier_auth_webhook_calls_total{result=\"breaker_open\"}"));
      assertEquals(3.0, node.metric("crier_auth_webhook_calls_total{result=\"failed\"}"));
      assertEquals(0.0, node.metric("crier_auth_failures_total"), "an outage refuses no token");

      service.mode(AuthService.Mode.GRANT);
      String token = opaque();
      Await.until(
          Duration.ofSeconds(10),
          () -> Http.publish(node, "hooked/news", "x", token).status() == 201,
          () -> "the breaker did not let a probe through");
      assertTrue(metrics(node).contains("crier_auth_webhook_breaker_state{state=\"closed\"} 1"));
    }
  }

  @Test
  void duringAnOutageAllowCachedKeepsKnownTokensAndDenyDoesNot() throws Exception {
    String shortGrants =
        "crier.auth.webhook.granted-ttl = 1s\n"
            + "crier.auth.webhook.stale-ttl = 1h\n"
            + "crier.auth.webhook.breaker.max-failures = 100\n";
    try (AuthService service = new AuthService();
        TestNode allowCached =
            node(service, shortGrants + "crier.auth.webhook.on-outage = allow-cached");
        TestNode deny = node(service, shortGrants + "crier.auth.webhook.on-outage = deny")) {
      String known = opaque();
      assertEquals(201, Http.publish(allowCached, "hooked/a", "x", known).status());
      assertEquals(201, Http.publish(deny, "hooked/a", "x", known).status());
      service.mode(AuthService.Mode.FAIL);
      int calls = service.calls();
      // The deny node refuses once its grant is older than granted-ttl (the allow-cached node's
      // grant is older still): from then on both must ask the failing webhook.
      Await.until(
          Duration.ofSeconds(10),
          () -> Http.publish(deny, "hooked/a", "y", known).status() == 503,
          () -> "the deny node kept granting after granted-ttl");
      assertEquals(201, Http.publish(allowCached, "hooked/a", "y", known).status());
      assertTrue(service.calls() > calls + 1, "both asked the webhook first");
      assertEquals(
          503, Http.publish(allowCached, "hooked/a", "y", opaque()).status(), "unknown token");
      assertEquals(
          503,
          Http.publish(allowCached, "elsewhere", "y", known).status(),
          "a stale grant is used only for what it covers; the rest waits for the webhook");
      assertTrue(metrics(allowCached).contains("crier_auth_webhook_stale_grants_total 1"));
    }
  }

  private static String metrics(TestNode node) throws Exception {
    return Http.get(node.management("/metrics"), null).raw().body();
  }

  @Test
  void misconfigurationStopsTheNodeWithAMessage() {
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class,
            () ->
                AuthSettings.create(
                    dev.crier.node.config.CrierConfig.load(
                        com.typesafe.config.ConfigFactory.parseString(
                            "crier.auth.verifiers = [jwt, webhook]\n"
                                + "crier.auth.jwt.keys = [{ secret = \""
                                + TestNode.SECRET
                                + "\" }]"))));
    assertTrue(e.getMessage().contains("crier.auth.webhook.url"), e.getMessage());
  }
}

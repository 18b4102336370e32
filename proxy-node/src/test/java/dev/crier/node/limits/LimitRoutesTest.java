package dev.crier.node.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.auth.TokenMinter;
import dev.crier.node.support.Await;
import dev.crier.node.support.Http;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-client limits on a real node: 429 with Retry-After, given back when a stream ends. */
class LimitRoutesTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private static String tokenFor(String subject) {
    return new TokenMinter(TestNode.SECRET)
        .mint(subject, List.of("*"), List.of("*"), false, Duration.ofHours(1));
  }

  private static String batch(int events) {
    StringBuilder body = new StringBuilder("[");
    for (int i = 0; i < events; i++) {
      body.append(i == 0 ? "" : ",").append("{\"topic\":\"limited\",\"data\":\"").append(i);
      body.append("\"}");
    }
    return body.append("]").toString();
  }

  @Test
  void connectionsPerSubjectAndPerAddressAreCappedAndGivenBack() throws Exception {
    try (TestNode node =
        TestNode.start(
            "crier.limits.connections-per-subject = 2\ncrier.limits.connections-per-ip = 3\n"
                // a closed client is noticed at the next write
                + "crier.subscribe.heartbeat = 200ms\n")) {
      String alice = tokenFor("alice");
      SseClient first = SseClient.open(node.http("/events/a"), alice);
      SseClient second = SseClient.open(node.http("/events/b"), alice);
      assertEquals(200, first.status());
      assertEquals(200, second.status());
      Http.Answer third = Http.get(node.http("/events/c"), alice);
      assertEquals(429, third.status());
      assertEquals("connections_per_subject", third.json().get("error").asText());
      assertTrue(third.raw().headers().firstValue("Retry-After").isPresent());

      SseClient bob = SseClient.open(node.http("/events/d"), tokenFor("bob"));
      assertEquals(200, bob.status());
      Http.Answer fourth = Http.get(node.http("/events/e"), tokenFor("carol"));
      assertEquals(429, fourth.status(), "three streams from 127.0.0.1 already");
      assertEquals("connections_per_ip", fourth.json().get("error").asText());

      first.close();
      Await.until(
          WAIT,
          () ->
              Http.get(node.management("/metrics"), null)
                  .raw()
                  .body()
                  .contains("crier_sse_connections 2.0"),
          () -> "the closed stream was not given back");
      SseClient again = SseClient.open(node.http("/events/a"), alice);
      assertEquals(200, again.status(), "a closed stream gives its place back");
      String metrics = Http.get(node.management("/metrics"), null).raw().body();
      assertTrue(
          metrics.contains("crier_limit_rejects_total{limit=\"connections_per_subject\"} 1.0"),
          metrics);
      assertTrue(
          metrics.contains("crier_limit_rejects_total{limit=\"connections_per_ip\"} 1.0"), metrics);
    }
  }

  @Test
  void publishesPerSubjectAreRateLimited() throws Exception {
    try (TestNode node =
        TestNode.start("crier.limits.publish-rate = 1\ncrier.limits.publish-burst = 5\n")) {
      String dave = tokenFor("dave");
      Http.Answer tooBig = Http.postJson(node.http("/publish"), batch(6), dave);
      assertEquals(429, tooBig.status(), tooBig.raw().body());
      assertEquals(201, Http.postJson(node.http("/publish"), batch(5), dave).status());
      Http.Answer over = Http.publish(node, "limited", "one more", dave);
      assertEquals(429, over.status());
      assertEquals("publish_rate", over.json().get("error").asText());
      assertEquals("1", over.raw().headers().firstValue("Retry-After").orElse(""));
      assertEquals(201, Http.publish(node, "limited", "someone else", tokenFor("erin")).status());
      Await.until(
          WAIT,
          () -> Http.publish(node, "limited", "later", dave).status() == 201,
          () -> "the allowance did not refill");
      Http.Answer history = Http.get(node.http("/topics/limited/events"), dave);
      assertEquals(7, history.json().get("events").size(), "refused publishes left no event");
    }
  }
}

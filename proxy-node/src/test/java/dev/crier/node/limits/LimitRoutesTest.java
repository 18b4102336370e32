package dev.crier.node.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.crier.node.auth.TokenMinter;
import dev.crier.node.support.Await;
import dev.crier.node.support.Http;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Limits on a real node: 429 (503 for the heap guard) with Retry-After, counted, each tripping at
 * its threshold and not before; connections given back when a stream ends.
 */
class LimitRoutesTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private static String tokenFor(String subject) {
    return new TokenMinter(TestNode.SECRET)
        .mint(subject, List.of("*"), List.of("*"), false, Duration.ofHours(1));
  }

  /** A token of {@code subject} with the {@code crier.tenant} claim (TokenMinter has no tenant). */
  private static String tokenFor(String subject, String tenant) throws Exception {
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .subject(subject)
            .expirationTime(Date.from(Instant.now().plus(Duration.ofHours(1))))
            .claim("crier.subscribe", List.of("*"))
            .claim("crier.publish", List.of("*"))
            .claim("crier.tenant", tenant)
            .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    jwt.sign(new MACSigner(TestNode.SECRET.getBytes(StandardCharsets.UTF_8)));
    return jwt.serialize();
  }

  private static String batch(int events) {
    StringBuilder body = new StringBuilder("[");
    for (int i = 0; i < events; i++) {
      body.append(i == 0 ? "" : ",").append("{\"topic\":\"limited\",\"data\":\"").append(i);
      body.append("\"}");
    }
    return body.append("]").toString();
  }

  /**
   * A client whose network dropped holds its place until a write to it fails; its reconnect, a
   * resume by the same subject for the same topics, takes that place instead of being refused.
   * Nothing else is replaced: not without a cursor, not for other topics, not another subject's.
   */
  @Test
  void aResumeAtTheLimitReplacesItsSubjectsStreamForTheSameTopics() throws Exception {
    try (TestNode node =
        TestNode.start(
            "crier.limits.connections-per-subject = 1\n" + "crier.subscribe.heartbeat = 50s\n")) {
      String alice = tokenFor("alice");
      SseClient dead = SseClient.open(node.http("/events/resumed"), alice);
      SseClient bob = SseClient.open(node.http("/events/resumed"), tokenFor("bob"));
      assertEquals(201, Http.publish(node, "resumed", "e1", alice).status());
      String cursor = dead.next(WAIT).lastEventId();
      bob.next(WAIT);

      assertEquals(429, Http.get(node.http("/events/resumed"), alice).status(), "no cursor");
      Http.Answer otherTopics =
          Http.get(node.http("/events/elsewhere?lastEventId=" + cursor), alice);
      assertEquals(429, otherTopics.status(), "a cursor, for other topics");
      assertEquals("connections_per_subject", otherTopics.json().get("error").asText());

      try (SseClient resumed =
          SseClient.open(
              node.http("/events/resumed"),
              Map.of("Authorization", "Bearer " + alice, "Last-Event-ID", cursor))) {
        assertEquals(200, resumed.status());
        dead.ended().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(
            1, node.metric("crier_sse_disconnects_total{reason=\"replaced\",transport=\"sse\"}"));
        assertEquals(2, node.metric("crier_sse_connections{transport=\"sse\"}"));
        assertEquals(201, Http.publish(node, "resumed", "e2", alice).status());
        assertEquals("e2", resumed.next(WAIT).data());
        assertEquals("e2", bob.next(WAIT).data(), "another subject's stream is left alone");
      } finally {
        bob.close();
      }
    }
  }

  @Test
  void connectionsPerSubjectAndPerAddressAreCappedAndGivenBack() throws Exception {
    try (TestNode node =
        TestNode.start(
            "crier.limits.connections-per-subject = 2\ncrier.limits.connections-per-ip = 3\n"
                // A closed client is noticed when it closes, not at the next heartbeat.
                + "crier.subscribe.heartbeat = 50s\n")) {
      String alice = tokenFor("alice");
      SseClient first = SseClient.open(node.http("/events/a"), alice);
      SseClient second = SseClient.open(node.http("/events/b"), alice);
      assertEquals(200, first.status());
      assertEquals(200, second.status());
      Http.Answer third = Http.get(node.http("/events/c"), alice);
      assertEquals(429, third.status());
      assertEquals("connections_per_subject", third.json().get("error").asText());
      assertEquals("5", third.raw().headers().firstValue("Retry-After").orElse(null));

      SseClient bob = SseClient.open(node.http("/events/d"), tokenFor("bob"));
      assertEquals(200, bob.status());
      Http.Answer fourth = Http.get(node.http("/events/e"), tokenFor("carol"));
      assertEquals(429, fourth.status(), "three streams from 127.0.0.1 already");
      assertEquals("connections_per_ip", fourth.json().get("error").asText());
      assertEquals("5", fourth.raw().headers().firstValue("Retry-After").orElse(null));

      first.close();
      Await.until(
          WAIT,
          () ->
              Http.get(node.management("/metrics"), null)
                  .raw()
                  .body()
                  .contains("crier_sse_connections{transport=\"sse\"} 2.0"),
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
      // No wait lets six through a burst of five: the request must change, so no 429.
      assertEquals(400, tooBig.status(), tooBig.raw().body());
      assertEquals("invalid_batch", tooBig.json().get("error").asText());
      assertTrue(
          tooBig.json().get("message").asText().contains("send at most 5 per request"),
          tooBig.raw().body());
      assertTrue(tooBig.raw().headers().firstValue("Retry-After").isEmpty());
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

  @Test
  void publishesPerTenantAreRateLimitedAcrossItsTokensAndSpareTheSubjectsAllowance()
      throws Exception {
    // Refills take 100 s, so nothing comes back while the test runs.
    try (TestNode node =
        TestNode.start(
            "crier.limits.publish-rate = 0.01\ncrier.limits.publish-burst = 2\n"
                + "crier.limits.tenant-publish-rate = 0.01\n"
                + "crier.limits.tenant-publish-burst = 3\n")) {
      for (String subject : List.of("alice", "bob", "erin")) {
        Http.Answer ok = Http.publish(node, "tenanted", subject, tokenFor(subject, "acme"));
        assertEquals(201, ok.status(), "within the tenant's burst of 3: " + ok.raw().body());
      }
      for (String subject : List.of("erin", "alice")) {
        Http.Answer over = Http.publish(node, "tenanted", "over", tokenFor(subject, "acme"));
        assertEquals(429, over.status(), subject + " has subject allowance left, acme has none");
        assertEquals("tenant_publish_rate", over.json().get("error").asText());
        // one token at 0.01/s is 100 s away (less the few milliseconds since the bucket filled)
        int retryAfter = Integer.parseInt(over.raw().headers().firstValue("Retry-After").get());
        assertTrue(retryAfter == 100 || retryAfter == 99, "Retry-After " + retryAfter);
      }
      assertEquals(
          201,
          Http.publish(node, "tenanted", "other tenant", tokenFor("carol", "globex")).status());
      assertEquals(201, Http.publish(node, "tenanted", "no tenant", tokenFor("dave")).status());

      for (int i = 0; i < 3; i++) {
        Http.Answer refused = Http.publish(node, "tenanted", "x", tokenFor("frank", "acme"));
        assertEquals("tenant_publish_rate", refused.json().get("error").asText());
      }
      String frankElsewhere = tokenFor("frank", "initech");
      assertEquals(201, Http.publish(node, "tenanted", "1", frankElsewhere).status());
      assertEquals(
          201,
          Http.publish(node, "tenanted", "2", frankElsewhere).status(),
          "the tenant's refusals took nothing from frank's burst of 2");
      Http.Answer subjectOver = Http.publish(node, "tenanted", "3", frankElsewhere);
      assertEquals(429, subjectOver.status());
      assertEquals("publish_rate", subjectOver.json().get("error").asText());

      Http.Answer history = Http.get(node.http("/topics/tenanted/events"), tokenFor("dave"));
      assertEquals(7, history.json().get("events").size(), "refused publishes left no event");
      String metrics = Http.get(node.management("/metrics"), null).raw().body();
      assertTrue(
          metrics.contains("crier_limit_rejects_total{limit=\"tenant_publish_rate\"} 5.0"),
          metrics);
      assertTrue(
          metrics.contains("crier_limit_rejects_total{limit=\"publish_rate\"} 1.0"), metrics);
    }
  }

  @Test
  void theHeapGuardRefusesNewSubscribersWhileTheHeapAfterGcIsAboveItsFraction() throws Exception {
    try (TestNode node = TestNode.start("crier.limits.heap-guard = 0.0001\n")) {
      // A full collection leaves at least the nodes' live data, far more than 0.01 % of the heap.
      System.gc();
      Http.Answer refused = Http.get(node.http("/events/a"), tokenFor("grace"));
      assertEquals(503, refused.status(), refused.raw().body());
      assertEquals("heap_guard", refused.json().get("error").asText());
      assertEquals("5", refused.raw().headers().firstValue("Retry-After").orElse(""));
      assertEquals(
          201,
          Http.publish(node, "guarded", "publishing goes on", tokenFor("grace")).status(),
          "only new subscribers are refused");
      String metrics = Http.get(node.management("/metrics"), null).raw().body();
      assertTrue(metrics.contains("crier_heap_guard_refusing 1.0"), metrics);
      assertTrue(metrics.contains("crier_limit_rejects_total{limit=\"heap_guard\"} 1.0"), metrics);
    }
    for (String notTripped : List.of("1.0", "0")) {
      try (TestNode node = TestNode.start("crier.limits.heap-guard = " + notTripped + "\n")) {
        System.gc();
        try (SseClient stream = SseClient.open(node.http("/events/a"), tokenFor("grace"))) {
          assertEquals(200, stream.status(), "heap-guard = " + notTripped);
        }
        String metrics = Http.get(node.management("/metrics"), null).raw().body();
        assertTrue(metrics.contains("crier_heap_guard_refusing 0.0"), metrics);
      }
    }
  }

  /** Without any limit configured, one address holds at most 1,000 streams of a node. */
  @Test
  void byDefaultOneAddressHoldsAThousandStreamsAndNoMore() throws Exception {
    try (TestNode node = TestNode.start()) {
      String token = tokenFor("crowd");
      List<SseClient> held = new ArrayList<>();
      try {
        for (int i = 0; i < 1000; i++) {
          held.add(SseClient.open(node.http("/events/crowd"), token));
          assertEquals(200, held.get(i).status(), "stream " + (i + 1));
        }
        Http.Answer over = Http.get(node.http("/events/crowd"), token);
        assertEquals(429, over.status());
        assertEquals("connections_per_ip", over.json().get("error").asText());
        assertEquals(
            "HTTP/1.1 200 OK",
            statusLineFrom("127.0.0.2", node.http("/events/crowd"), token),
            "another address is not limited by the first one's streams");
      } finally {
        held.forEach(SseClient::close);
      }
    }
  }

  @Test
  void aFloodOfConnectsFromOneAddressDoesNotStopAnotherAddressFromConnecting() throws Exception {
    int perIp = 4;
    try (TestNode node = TestNode.start("crier.limits.connections-per-ip = " + perIp + "\n")) {
      String flooder = tokenFor("flooder");
      List<SseClient> held = new ArrayList<>();
      try {
        for (int i = 0; i < perIp; i++) {
          held.add(SseClient.open(node.http("/events/flood-" + i), flooder));
          assertEquals(200, held.get(i).status(), "stream " + (i + 1) + " of " + perIp);
        }
        int flood = 20;
        for (int i = 0; i < flood; i++) {
          Http.Answer over = Http.get(node.http("/events/flood"), flooder);
          assertEquals(429, over.status(), "connect " + (perIp + 1 + i) + " from 127.0.0.1");
          assertEquals("connections_per_ip", over.json().get("error").asText());
        }
        assertEquals(
            "HTTP/1.1 200 OK",
            statusLineFrom("127.0.0.2", node.http("/events/neighbour"), tokenFor("neighbour")),
            "127.0.0.2 holds no stream yet");
        String metrics = Http.get(node.management("/metrics"), null).raw().body();
        assertTrue(
            metrics.contains(
                "crier_limit_rejects_total{limit=\"connections_per_ip\"} " + flood + ".0"),
            metrics);
      } finally {
        held.forEach(SseClient::close);
      }
    }
  }

  /**
   * Opens an SSE stream from {@code localAddress} (any of 127.0.0.0/8 on Linux) by hand, since
   * java.net.http cannot choose its source address, and returns the response's status line.
   */
  private static String statusLineFrom(String localAddress, URI uri, String token)
      throws IOException {
    try (Socket socket = new Socket()) {
      socket.bind(new InetSocketAddress(InetAddress.getByName(localAddress), 0));
      socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 10_000);
      socket.setSoTimeout(10_000);
      String request =
          "GET "
              + uri.getRawPath()
              + " HTTP/1.1\r\nHost: "
              + uri.getHost()
              + ":"
              + uri.getPort()
              + "\r\nAuthorization: Bearer "
              + token
              + "\r\nAccept: text/event-stream\r\n\r\n";
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      BufferedReader response =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
      return response.readLine();
    }
  }
}
